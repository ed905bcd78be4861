/**
 * The /v2/events bus: server-sent events to every attached client, as Marathon 1.x sends them
 * (mesosphere/marathon src/main/scala/mesosphere/marathon/core/event/Events.scala, written by
 * api/v2/json/Formats.scala: the event's fields plus `eventType` and `timestamp`; SSE `event:`
 * is the eventType).
 */
import type { ServerResponse } from 'node:http';

export class EventBus {
  private readonly clients = new Set<ServerResponse>();
  /** Fault knob: new streams are closed right after they attach. */
  refuse = false;
  /** Every event sent, in order (what an attached client would have read). */
  readonly history: Array<Record<string, unknown> & { eventType: string; timestamp: string }> = [];

  attach(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    this.send(res, 'event_stream_attached', { remoteAddress: '127.0.0.1' });
    if (this.refuse) res.destroy();
  }

  emit(eventType: string, data: Record<string, unknown>): void {
    this.history.push({ ...data, eventType, timestamp: new Date().toISOString() });
    for (const res of this.clients) this.send(res, eventType, data);
  }

  /** Drops every attached client, like Marathon dropping a slow consumer. */
  cut(): void {
    for (const res of this.clients) res.destroy();
    this.clients.clear();
  }

  get attached(): number {
    return this.clients.size;
  }

  private send(res: ServerResponse, eventType: string, data: Record<string, unknown>): void {
    const payload = JSON.stringify({ ...data, eventType, timestamp: new Date().toISOString() });
    res.write(`event: ${eventType}\ndata: ${payload}\n\n`);
  }
}
