/**
 * What the suites against the stand-in with in-process tasks share: the stand-in and its
 * client, a small service that turns healthy or unhealthy within a few stand-in seconds, and
 * the error a deploy is expected to end in.
 */
import type { ShovelConfigInput } from '../../src/config/schema.js';
import type { ShovelError } from '../../src/errors.js';
import { MarathonClient } from '../../src/marathon/client.js';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';

/** Health, shutdown and kill grace short enough that a deploy ends within seconds. */
export const QUICK_SERVICE: Pick<ShovelConfigInput, 'ports' | 'health' | 'shutdown' | 'killGracePeriodSeconds'> = {
  ports: { http: 8080, metrics: 9090 },
  health: { gracePeriodSeconds: 2, intervalSeconds: 2, timeoutSeconds: 1, maxConsecutiveFailures: 2 },
  shutdown: { delayMs: 0, timeoutMs: 0 },
  killGracePeriodSeconds: 1,
};

/** The stand-in with in-process tasks, a Marathon second lasting 50 ms, and a client of it. */
export async function startInProcessStandin(): Promise<{ standin: MarathonStandin; client: MarathonClient }> {
  const standin = await startMarathonStandin({ runner: 'in-process', secondMs: 50 });
  return { standin, client: new MarathonClient({ url: standin.url, retry: { attempts: 3, baseDelayMs: 5 } }) };
}

/** The error `promise` rejects with; a deploy that succeeds fails the test. */
export async function failure(promise: Promise<unknown>): Promise<ShovelError> {
  try {
    await promise;
  } catch (error) {
    return error as ShovelError;
  }
  throw new Error('expected the deploy to fail');
}
