/**
 * Waiting for a Marathon deployment, the part most tools get wrong (marathon-api.md):
 * - a deployment never fails by itself, so Shovel enforces its own deadline;
 * - "gone from /v2/deployments" is not "succeeded": the app must be at OUR version with every
 *   instance healthy and nothing staged;
 * - the event stream is a hint to look again sooner, never the source of truth (events arrive
 *   out of order and slow consumers get dropped).
 * `decide` is pure; `waitForDeployment` gathers observations and sleeps between them.
 */
import { InterruptedError } from '../errors.js';
import { sleep, type MarathonClient } from './client.js';
import { MarathonError } from './errors.js';
import type { MarathonApp, TaskFailure } from './types.js';

export interface Observation {
  now: number;
  deadline: number;
  ours: { deploymentId: string; version: string; instances: number };
  /** Ids from GET /v2/deployments, fetched BEFORE the app (see `observe`). */
  runningDeploymentIds: string[];
  /** undefined: the app is gone (404). */
  app: MarathonApp | undefined;
}

export type FailureKind = 'unhealthy' | 'superseded' | 'deleted' | 'deadline';

export type Decision = 'wait' | 'success' | { failure: string; kind: FailureKind };

export function decide(o: Observation): Decision {
  const running = o.runningDeploymentIds.includes(o.ours.deploymentId) || (o.app?.deployments ?? []).some((d) => d.id === o.ours.deploymentId);
  const overdue = o.now >= o.deadline;
  const late = (what: string) => ({ failure: `not healthy before the deadline: ${what}`, kind: 'deadline' as const });

  if (!o.app) return running && !overdue ? 'wait' : { failure: 'the app no longer exists', kind: 'deleted' };
  const app = o.app;
  // A later scale changes `version` but not `lastConfigChangeAt`; then its instance count is
  // the one that counts.
  const exact = app.version === o.ours.version;
  const ourConfig = exact || app.versionInfo?.lastConfigChangeAt === o.ours.version;
  const instances = exact ? o.ours.instances : app.instances;
  const healthy = app.tasksHealthy ?? 0;
  const staged = app.tasksStaged ?? 0;
  const runningTasks = app.tasksRunning ?? healthy;
  const counts = `${healthy}/${instances} healthy, ${staged} staged, ${app.tasksUnhealthy ?? 0} unhealthy`;

  if (running) return overdue ? late(`deployment ${o.ours.deploymentId} still running (${counts})`) : 'wait';
  if (!ourConfig) {
    return { failure: `the app is at version ${app.version}, not ${o.ours.version}: another deployment replaced ours`, kind: 'superseded' };
  }
  if (healthy === instances && staged === 0) {
    // Surplus tasks are being killed after the deployment ended: not done until they are.
    if (runningTasks > instances) return overdue ? late(`${runningTasks - instances} surplus task(s) still running`) : 'wait';
    return 'success';
  }
  // The deployment ended but the app is not fully healthy: a task died or was killed after
  // becoming ready, or the deployment was cancelled. Waiting would only hide it.
  return { failure: `deployment ${o.ours.deploymentId} ended but the app is not healthy (${counts})`, kind: 'unhealthy' };
}

export interface WaitOptions {
  appId: string;
  deploymentId: string;
  version: string;
  instances: number;
  deadlineMs: number;
  pollIntervalMs?: number;
  onProgress?: (healthy: number, instances: number, detail: string) => void;
  signal?: AbortSignal;
  /** Follow /v2/events to look again early (default true). */
  useEvents?: boolean;
}

export type WaitResult =
  | { outcome: 'success'; app: MarathonApp; polls: number; eventWakeups: number }
  | { outcome: 'failure'; kind: FailureKind; reason: string; lastTaskFailure?: TaskFailure; app?: MarathonApp; polls: number; eventWakeups: number };

const EVENTS_OF_INTEREST = new Set([
  'deployment_success',
  'deployment_failed',
  'deployment_step_success',
  'deployment_step_failure',
  'status_update_event',
  'instance_health_changed_event',
  'health_status_changed_event',
  'unhealthy_task_kill_event',
  'unhealthy_instance_kill_event',
]);

export async function waitForDeployment(client: MarathonClient, options: WaitOptions): Promise<WaitResult> {
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const deadline = Date.now() + options.deadlineMs;
  const ours = { deploymentId: options.deploymentId, version: options.version, instances: options.instances };
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const wake = new Wakeup();
  let eventWakeups = 0;
  let polls = 0;
  let lastApp: MarathonApp | undefined;

  if (options.useEvents !== false) {
    void followEvents(client, options.appId, options.deploymentId, signal, () => {
      eventWakeups++;
      wake.fire();
    });
  }
  try {
    while (true) {
      if (options.signal?.aborted) throw new InterruptedError('Interrupted while waiting for the Marathon deployment.');
      let observation: Observation | undefined;
      try {
        observation = await observe(client, options.appId, ours, deadline, options.signal);
        polls++;
        lastApp = observation.app;
      } catch (error) {
        if (options.signal?.aborted) throw new InterruptedError('Interrupted while waiting for the Marathon deployment.');
        // Marathon hiccups (leader election, a dropped connection) must not fail a release on
        // their own; auth and other client errors will not heal by waiting.
        if (!(error instanceof MarathonError) || (error.status >= 400 && error.status < 500)) throw error;
        if (Date.now() >= deadline) {
          return { outcome: 'failure', kind: 'deadline', reason: `Marathon did not answer before the deadline: ${error.message}`, app: lastApp, lastTaskFailure: lastApp?.lastTaskFailure, polls, eventWakeups };
        }
      }
      if (observation) {
        const decision = decide(observation);
        const app = observation.app;
        if (app) options.onProgress?.(app.tasksHealthy ?? 0, ours.instances, progressDetail(app, observation.runningDeploymentIds.includes(ours.deploymentId)));
        if (decision === 'success') return { outcome: 'success', app: app!, polls, eventWakeups };
        if (decision !== 'wait') {
          return { outcome: 'failure', kind: decision.kind, reason: decision.failure, app, lastTaskFailure: app?.lastTaskFailure, polls, eventWakeups };
        }
      }
      const left = deadline - Date.now();
      // One last look right at the deadline, so "overdue" is decided on fresh data.
      await wake.wait(Math.max(0, Math.min(pollIntervalMs, left)), signal);
    }
  } finally {
    stop.abort();
  }
}

/** Deployments first, then the app: an app read after "gone" shows the post-deployment state. */
async function observe(client: MarathonClient, appId: string, ours: Observation['ours'], deadline: number, signal?: AbortSignal): Promise<Observation> {
  const deployments = await client.listDeployments(signal);
  const app = await client.getApp(appId, signal);
  return { now: Date.now(), deadline, ours, runningDeploymentIds: deployments.map((d) => d.id), app };
}

function progressDetail(app: MarathonApp, running: boolean): string {
  const parts = [`${app.tasksHealthy ?? 0} healthy`, `${app.tasksRunning ?? 0} running`];
  if (app.tasksStaged) parts.push(`${app.tasksStaged} staged`);
  if (app.tasksUnhealthy) parts.push(`${app.tasksUnhealthy} unhealthy`);
  parts.push(running ? 'deployment running' : 'deployment done');
  return parts.join(', ');
}

/**
 * Reconnects with a growing delay while the wait lasts; every relevant event for our app or
 * our deployment wakes the poller. Errors are swallowed: polling carries on without events.
 */
async function followEvents(client: MarathonClient, appId: string, deploymentId: string, signal: AbortSignal, onHint: () => void): Promise<void> {
  let delay = 500;
  while (!signal.aborted) {
    try {
      for await (const event of client.events({ signal })) {
        delay = 500;
        if (EVENTS_OF_INTEREST.has(event.eventType) && concerns(event.data, appId, deploymentId)) onHint();
      }
    } catch {
      // fall through to the reconnect delay
    }
    if (signal.aborted) return;
    await sleep(delay, signal).catch(() => undefined);
    delay = Math.min(delay * 2, 30_000);
  }
}

function concerns(data: Record<string, unknown>, appId: string, deploymentId: string): boolean {
  if (data.appId === appId || data.id === deploymentId) return true;
  const plan = data.plan as { id?: string } | undefined;
  if (plan?.id === deploymentId) return true;
  // Some events carry neither (older versions): a spurious wake-up only costs one poll.
  return data.appId === undefined && data.id === undefined && plan === undefined;
}

/** A sleep that an event can cut short. */
class Wakeup {
  private pending: (() => void) | undefined;
  private fired = false;
  fire(): void {
    this.fired = true;
    this.pending?.();
  }
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.fired) {
      this.fired = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.pending = undefined;
        this.fired = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.pending = done;
    });
  }
}
