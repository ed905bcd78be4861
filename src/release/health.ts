/**
 * The health gate of the docker target: the same rule as on Marathon, "serving" means the
 * readiness endpoint answers 200 AND the liveness endpoint answers 200, before a deadline.
 * Polling is cheap and deterministic; a container that exits stops the wait at once instead
 * of burning the whole deadline.
 */
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

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

export async function waitHealthy(options: HealthGateOptions): Promise<HealthGateResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const interval = options.intervalMs ?? 250;
  let last = 'not probed yet';
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason;
    const ready = await probe(options.baseUrl + options.readinessPath, options.signal);
    const live = ready === 200 ? await probe(options.baseUrl + options.livenessPath, options.signal) : undefined;
    if (ready === 200 && live === 200) return { healthy: true, ms: elapsed() };
    last = ready !== 200 ? `readiness ${options.readinessPath}: ${ready}` : `liveness ${options.livenessPath}: ${String(live)}`;
    options.onProgress?.(`${last}, ${(elapsed() / 1000).toFixed(0)}s of ${(options.deadlineMs / 1000).toFixed(0)}s`);
    const gone = await options.gone?.();
    if (gone) return { healthy: false, ms: elapsed(), reason: gone };
    if (elapsed() + interval > options.deadlineMs) {
      return { healthy: false, ms: elapsed(), reason: `not healthy within ${(options.deadlineMs / 1000).toFixed(0)}s (last: ${last})` };
    }
    await sleep(interval, options.signal);
  }
}
