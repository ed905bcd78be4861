/**
 * The one poll loop: look, decide, sleep, until a decision or the deadline. Sleeps come from
 * node:timers/promises with the caller's signal, which removes its abort listener when the
 * sleep ends: a long wait leaves nothing behind (a hand-made sleep that added a listener per
 * round tripped MaxListenersExceededWarning after ~3 s of 250 ms rounds).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  intervalMs: number;
  /** Milliseconds from the start; the last look happens no later than this. */
  deadlineMs: number;
  signal?: AbortSignal;
}

/**
 * Calls `look` until it returns a value other than undefined, and returns that; returns
 * `onDeadline()` when the next round would end after the deadline.
 */
export async function pollUntil<T>(look: (elapsedMs: number) => Promise<T | undefined>, onDeadline: (elapsedMs: number) => T, options: PollOptions): Promise<T> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  for (;;) {
    options.signal?.throwIfAborted();
    const decided = await look(elapsed());
    if (decided !== undefined) return decided;
    if (elapsed() + options.intervalMs > options.deadlineMs) return onDeadline(elapsed());
    await sleep(options.intervalMs, undefined, options.signal ? { signal: options.signal } : undefined).catch((error: unknown) => {
      // An abort rejects with an AbortError; callers expect the signal's own reason.
      throw options.signal?.aborted ? options.signal.reason : error;
    });
  }
}
