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
