/**
 * Turns Marathon's /v2/events body into parsed events. eventsource-parser does the SSE framing
 * (multi-line data, comments, CRLF); Marathon puts the event type both in `event:` and in the
 * JSON's `eventType`, and either may be missing on old versions, so take whichever is there.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isRecord } from './errors.js';
import type { MarathonEvent } from './types.js';

export async function* readEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<MarathonEvent> {
  const queue: MarathonEvent[] = [];
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      const event = toEvent(message);
      if (event) queue.push(event);
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) yield queue.shift()!;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Stops the download when the consumer leaves early (break/return).
    await reader.cancel().catch(() => undefined);
  }
}

function toEvent(message: EventSourceMessage): MarathonEvent | undefined {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(message.data);
    if (isRecord(parsed)) data = parsed;
  } catch {
    // A non-JSON payload still tells us that something happened.
  }
  const eventType = message.event ?? (typeof data.eventType === 'string' ? data.eventType : undefined);
  return eventType ? { eventType, data } : undefined;
}

/** Events that can change what a wait decides. */
const EVENTS_OF_INTEREST = new Set([
  'deployment_info',
  'deployment_success',
  'deployment_failed',
  'deployment_step_success',
  'deployment_step_failure',
  'status_update_event',
  'instance_changed_event',
  'instance_health_changed_event',
  'health_status_changed_event',
  'failed_health_check_event',
  'unhealthy_task_kill_event',
  'unhealthy_instance_kill_event',
  'app_terminated_event',
]);

/**
 * Whether an event is about our app or our deployment. Marathon 1.x names the app `appId` in
 * task and health events but `runSpecId` in instance events (api/v2/json/Formats.scala:
 * InstanceChangedEventWrites, InstanceHealthChangedEventWrites); deployment events carry the
 * deployment `id` and a `plan` with its `id` and `affectedApps` (deploymentEventsInfo.raml).
 * An event that names nothing is NOT ours: on a busy cluster those are most events.
 */
export function concernsUs(data: Record<string, unknown>, appId: string, deploymentId: string): boolean {
  if (data.appId === appId || data.runSpecId === appId || data.id === deploymentId) return true;
  const plan = isRecord(data.plan) ? data.plan : undefined;
  if (!plan) return false;
  if (plan.id === deploymentId) return true;
  if (Array.isArray(plan.affectedApps) && plan.affectedApps.includes(appId)) return true;
  // 1.x plans name the app in every step's actions; 0.x put `app` on the step itself.
  const steps = Array.isArray(plan.steps) ? plan.steps : [];
  return steps.some((step: unknown) => {
    if (!isRecord(step)) return false;
    if (step.app === appId) return true;
    return Array.isArray(step.actions) && step.actions.some((a: unknown) => isRecord(a) && a.app === appId);
  });
}

export interface EventSource {
  events(options: { signal?: AbortSignal }): AsyncGenerator<MarathonEvent>;
}

export const RECONNECT_FIRST_MS = 500;
export const RECONNECT_MAX_MS = 30_000;
/** A stream that stayed up this long was healthy: the next reconnect starts short again. */
const STABLE_STREAM_MS = 30_000;

/**
 * Follows /v2/events while `signal` lasts; every relevant event about our app or deployment
 * calls `onHint`. A stream that ends (cleanly or not) is reconnected after a delay that
 * doubles each time, up to 30 s, and only shrinks back after a stream that stayed up: a server
 * that closes every stream at once must not be hammered. Errors are swallowed: polling
 * carries on without events.
 */
export async function followEvents(source: EventSource, target: { appId: string; deploymentId: string; signal: AbortSignal }, onHint: (eventType: string) => void): Promise<number> {
  const { signal } = target;
  let delay = RECONNECT_FIRST_MS;
  let connects = 0;
  while (!signal.aborted) {
    const connectedAt = Date.now();
    connects++;
    try {
      for await (const event of source.events({ signal })) {
        if (EVENTS_OF_INTEREST.has(event.eventType) && concernsUs(event.data, target.appId, target.deploymentId)) onHint(event.eventType);
      }
    } catch {
      // fall through to the reconnect delay
    }
    if (signal.aborted) break;
    if (Date.now() - connectedAt >= STABLE_STREAM_MS) delay = RECONNECT_FIRST_MS;
    await delayFor(delay, signal);
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  }
  return connects;
}

function delayFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
