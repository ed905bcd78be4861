/**
 * The health gate of the docker target: the same rule as on Marathon, "serving" means the
 * readiness endpoint answers 200 AND the liveness endpoint answers 200, before a deadline.
 * Polling is cheap and deterministic; a container that exits stops the wait at once instead
 * of burning the whole deadline.
 */
import { pollUntil } from '../util/poll.js';
import { refTimeout } from '../util/timeout.js';

export interface HealthGateOptions {
  baseUrl: string;
  readinessPath: string;
  livenessPath: string;
  deadlineMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  onProgress?: (detail: string) => void;
  /** Resolves to a reason when the process under test is gone (e.g. the container exited). */
  gone?: () => Promise<string | undefined>;
}

export type HealthGateResult =
  | { healthy: true; ms: number }
  | { healthy: false; ms: number; reason: string };

async function probe(url: string, signal?: AbortSignal): Promise<string | 200> {
  const timeout = refTimeout(2000, signal);
  try {
    const response = await fetch(url, { signal: timeout.signal, redirect: 'manual' });
    await response.body?.cancel();
    return response.status === 200 ? 200 : `HTTP ${response.status}`;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const cause = (error as { cause?: { code?: string } }).cause;
    return timeout.signal.aborted ? 'timeout' : (cause?.code ?? 'no answer');
  } finally {
    timeout.clear();
  }
}

export async function waitHealthy(options: HealthGateOptions): Promise<HealthGateResult> {
  let last = 'not probed yet';
  return pollUntil<HealthGateResult>(
    async (ms) => {
      const ready = await probe(options.baseUrl + options.readinessPath, options.signal);
      const live = ready === 200 ? await probe(options.baseUrl + options.livenessPath, options.signal) : undefined;
      if (ready === 200 && live === 200) return { healthy: true, ms };
      last = ready !== 200 ? `readiness ${options.readinessPath}: ${ready}` : `liveness ${options.livenessPath}: ${String(live)}`;
      options.onProgress?.(`${last}, ${(ms / 1000).toFixed(0)}s of ${(options.deadlineMs / 1000).toFixed(0)}s`);
      const gone = await options.gone?.();
      return gone ? { healthy: false, ms, reason: gone } : undefined;
    },
    (ms) => ({ healthy: false, ms, reason: `not healthy within ${(options.deadlineMs / 1000).toFixed(0)}s (last: ${last})` }),
    { intervalMs: options.intervalMs ?? 250, deadlineMs: options.deadlineMs, ...(options.signal ? { signal: options.signal } : {}) },
  );
}
