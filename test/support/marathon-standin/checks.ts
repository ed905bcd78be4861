/**
 * One probe of a task, over a connection the caller dials: from the agent's side to the host
 * port (Marathon's own HTTP/TCP checks and readiness checks) or inside the task's network
 * namespace (MESOS_* checks, which the Mesos agent runs next to the task).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { Dial } from './relay.js';

/** The HTTP status, or undefined when there was no answer in time. */
export function probeHttp(dial: Dial, path: string, timeoutMs: number, https = false): Promise<number | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(status);
    };
    const options = {
      host: '127.0.0.1',
      path,
      headers: { connection: 'close' },
      // Certificates are not checked: an HTTPS check asks "does it answer", not "is it trusted".
      createConnection: () => (https ? tlsConnect({ socket: dial(), rejectUnauthorized: false }) : dial()),
    };
    const req = (https ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
      res.on('error', () => done(res.statusCode));
    });
    const timer = setTimeout(() => done(undefined), timeoutMs);
    req.on('error', () => done(undefined));
    req.end();
  });
}

export function probeTcp(dial: Dial, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dial();
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * mesosphere/marathon src/main/scala/mesosphere/marathon/core/health/impl/HealthCheckWorker.scala:
 * an HTTP(S) check passes on 200-399 ("acceptableResponses"), a TCP check when it connects.
 */
export async function passes(protocol: string, dial: Dial, path: string, timeoutMs: number): Promise<boolean> {
  if (protocol.endsWith('TCP')) return probeTcp(dial, timeoutMs);
  const status = await probeHttp(dial, path, timeoutMs, protocol.endsWith('HTTPS'));
  return status !== undefined && status >= 200 && status < 400;
}
