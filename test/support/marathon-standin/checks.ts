/**
 * One probe of a task, the way Marathon (HTTP/TCP) or the Mesos agent (MESOS_*) would run it,
 * against 127.0.0.1 (tasks use host networking here). HTTP passes on 200-399 (Marathon's
 * rule for health checks); readiness passes on httpStatusCodesForReady only.
 */
import { connect } from 'node:net';

export async function probeHttp(port: number, path: string, timeoutMs: number, https = false): Promise<number | undefined> {
  try {
    const response = await fetch(`${https ? 'https' : 'http'}://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { connection: 'close' },
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  } catch {
    return undefined;
  }
}

export function probeTcp(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** true = healthy. COMMAND checks are not supported by the stand-in and count as passing. */
export async function runHealthCheck(check: Record<string, unknown>, ports: number[], timeoutMs: number): Promise<boolean> {
  const protocol = String(check.protocol ?? 'HTTP');
  const port = typeof check.port === 'number' ? check.port : ports[typeof check.portIndex === 'number' ? check.portIndex : 0];
  if (protocol === 'COMMAND') return true;
  if (port === undefined) return false;
  if (protocol.endsWith('TCP')) return probeTcp(port, timeoutMs);
  const status = await probeHttp(port, typeof check.path === 'string' ? check.path : '/', timeoutMs, protocol.endsWith('HTTPS'));
  return status !== undefined && status >= 200 && status < 400;
}
