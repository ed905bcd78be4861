/**
 * The health gate of the docker target: an instance is healthy when every configured check
 * passes (readiness and liveness, each an HTTP GET answering 200, a TCP connection, or a
 * command exiting 0 inside the container), before a deadline. Docker's own health status
 * (the image's HEALTHCHECK) is a signal too: "unhealthy" fails at once, and with no check
 * configured "healthy" is the answer. With neither, the container must run without a
 * restart for a settle time.
 *
 * A container that exits or restarts stops the wait at once instead of burning the deadline.
 */
import net from 'node:net';
import { pollUntil } from '../util/poll.js';
import { refTimeout } from '../util/timeout.js';

export type Probe =
  | { kind: 'http'; url: string }
  | { kind: 'tcp'; port: number }
  | { kind: 'command'; command: string; run: (timeoutMs: number, signal?: AbortSignal) => Promise<{ ok: boolean; output: string; timedOut: boolean }> };

/** "ok", or why not. */
export type ProbeResult = 'ok' | string;

export async function probeHttp(url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const timeout = refTimeout(timeoutMs, signal);
  try {
    const response = await fetch(url, { signal: timeout.signal, redirect: 'manual' });
    await response.body?.cancel();
    return response.status === 200 ? 'ok' : `HTTP ${response.status}`;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const cause = (error as { cause?: { code?: string } }).cause;
    return timeout.signal.aborted ? 'timeout' : (cause?.code ?? 'no answer');
  } finally {
    timeout.clear();
  }
}

/**
 * A TCP connection to 127.0.0.1:port that the peer does not close at once. Docker's port
 * proxy accepts every connection to a published port and closes it when nothing listens in
 * the container, so "connected" alone would prove nothing there.
 */
export function probeTcp(port: number, timeoutMs: number, settleMs = 200): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let done = false;
    const finish = (result: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.once('connect', () => {
      setTimeout(() => finish('ok'), settleMs).unref();
    });
    socket.once('data', () => finish('ok'));
    socket.once('end', () => finish('connection closed at once'));
    socket.once('close', () => finish('connection closed at once'));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}

export async function runProbe(probe: Probe, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  if (probe.kind === 'http') return probeHttp(probe.url, timeoutMs, signal);
  if (probe.kind === 'tcp') return probeTcp(probe.port, timeoutMs);
  const result = await probe.run(timeoutMs, signal);
  if (result.ok) return 'ok';
  return result.timedOut ? 'timeout' : `failed${result.output ? `: ${result.output}` : ''}`;
}

/** Runs the probes in order; the first failure in words ("readiness /health/ready: HTTP 503"), else undefined. */
async function runProbes(probes: readonly NamedProbe[], timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  for (const p of probes) {
    const result = await runProbe(p.probe, timeoutMs, signal);
    if (result !== 'ok') return `${p.name} ${p.label}: ${result}`;
  }
  return undefined;
}

export interface NamedProbe {
  /** readiness or liveness */
  name: string;
  /** How it reads in messages: "/health/ready", "tcp 6379", "command 'redis-cli ping'". */
  label: string;
  probe: Probe;
}

export interface ContainerState {
  /** Why the container cannot become healthy any more (exited, restarted, gone). */
  gone?: string;
  /** Docker's health status when the image has a HEALTHCHECK. */
  health?: string;
  /** The output of the last HEALTHCHECK run. */
  healthOutput?: string;
}

export interface HealthGateOptions {
  probes: NamedProbe[];
  deadlineMs: number;
  /** Per probe. */
  timeoutMs?: number;
  intervalMs?: number;
  /** With no probes and no HEALTHCHECK: healthy once running this long. */
  settleMs?: number;
  signal?: AbortSignal;
  onProgress?: (detail: string) => void;
  /** The container's state, looked at every round. */
  state?: () => Promise<ContainerState>;
  /** How the deadline reads in messages (default: deadlineMs in seconds). */
  deadlineText?: string;
}

export type HealthGateResult =
  | { healthy: true; ms: number; by: 'checks' | 'docker health' | 'running' }
  | { healthy: false; ms: number; reason: string };

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}

export async function waitHealthy(options: HealthGateOptions): Promise<HealthGateResult> {
  let last = 'not probed yet';
  const timeoutMs = options.timeoutMs ?? 2000;
  const settleMs = options.settleMs ?? 0;
  return pollUntil<HealthGateResult>(
    async (ms) => {
      // The container's state and the probes are looked at together (one round costs the
      // slower of the two); the state decides first.
      const probing = options.probes.length > 0 ? runProbes(options.probes, timeoutMs, options.signal) : undefined;
      probing?.catch(() => undefined);
      const state = (await options.state?.()) ?? {};
      if (state.gone) return { healthy: false, ms, reason: state.gone };
      if (state.health === 'unhealthy') {
        return { healthy: false, ms, reason: `docker reports the container unhealthy (its HEALTHCHECK${state.healthOutput ? `: ${state.healthOutput}` : ' failed'})` };
      }
      if (probing) {
        const failed = await probing;
        if (!failed) return { healthy: true, ms, by: 'checks' };
        last = failed;
      } else if (state.health !== undefined) {
        if (state.health === 'healthy') return { healthy: true, ms, by: 'docker health' };
        last = `docker health: ${state.health}`;
      } else {
        if (ms >= settleMs) return { healthy: true, ms, by: 'running' };
        last = `running for ${seconds(ms)} of ${seconds(settleMs)}`;
      }
      options.onProgress?.(`${last}, ${(ms / 1000).toFixed(0)}s of ${options.deadlineText ?? seconds(options.deadlineMs)}`);
      return undefined;
    },
    (ms) => ({ healthy: false, ms, reason: `not healthy within ${options.deadlineText ?? seconds(options.deadlineMs)} (last: ${last})` }),
    { intervalMs: options.intervalMs ?? 250, deadlineMs: options.deadlineMs, ...(options.signal ? { signal: options.signal } : {}) },
  );
}
