/** The docker target's health gate against real servers on port 0 (HTTP and TCP). */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeTcp, waitHealthy, type NamedProbe } from '../../src/release/health.js';

const servers: Array<Server | net.Server> = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen<T extends Server | net.Server>(server: T): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function serve(status: (path: string, n: number) => number): Promise<number> {
  let n = 0;
  return listen(
    createServer((req, res) => {
      res.statusCode = status(req.url ?? '', n++);
      res.end();
    }),
  );
}

const http = (port: number): NamedProbe[] => [
  { name: 'readiness', label: '/ready', probe: { kind: 'http', url: `http://127.0.0.1:${port}/ready` } },
  { name: 'liveness', label: '/live', probe: { kind: 'http', url: `http://127.0.0.1:${port}/live` } },
];

describe('waitHealthy', () => {
  it('is healthy once readiness and liveness both answer 200', async () => {
    const port = await serve((path, n) => (path === '/ready' && n < 6 ? 503 : 200));
    const result = await waitHealthy({ probes: http(port), deadlineMs: 10_000, intervalMs: 5 });
    expect(result).toMatchObject({ healthy: true, by: 'checks' });
  });

  it('is not healthy while liveness fails, and says which check', async () => {
    const port = await serve((path) => (path === '/live' ? 500 : 200));
    const result = await waitHealthy({ probes: http(port), deadlineMs: 200, intervalMs: 20 });
    expect(result).toMatchObject({ healthy: false, reason: expect.stringContaining('liveness /live: HTTP 500') });
  });

  it('stops at once when the container is gone', async () => {
    const port = await serve(() => 503);
    const started = Date.now();
    const result = await waitHealthy({ probes: http(port), deadlineMs: 60_000, intervalMs: 10, state: async () => ({ gone: 'the container exited with code 1' }) });
    expect(result).toMatchObject({ healthy: false, reason: 'the container exited with code 1' });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("fails at once when docker calls the container unhealthy, even while the checks pass", async () => {
    const port = await serve(() => 200);
    const result = await waitHealthy({ probes: http(port), deadlineMs: 60_000, intervalMs: 10, state: async () => ({ health: 'unhealthy', healthOutput: 'curl: (7) refused' }) });
    expect(result).toMatchObject({ healthy: false, reason: 'docker reports the container unhealthy (its HEALTHCHECK: curl: (7) refused)' });
  });

  it("with no checks, docker's own health status is the signal", async () => {
    let n = 0;
    const result = await waitHealthy({ probes: [], deadlineMs: 10_000, intervalMs: 5, state: async () => ({ health: n++ < 3 ? 'starting' : 'healthy' }) });
    expect(result).toMatchObject({ healthy: true, by: 'docker health' });
    const starting = await waitHealthy({ probes: [], deadlineMs: 100, intervalMs: 10, state: async () => ({ health: 'starting' }) });
    expect(starting).toMatchObject({ healthy: false, reason: expect.stringContaining('docker health: starting') });
  });

  it('with no checks and no HEALTHCHECK: healthy once running for the settle time', async () => {
    const started = Date.now();
    const result = await waitHealthy({ probes: [], deadlineMs: 10_000, intervalMs: 20, settleMs: 300, state: async () => ({}) });
    expect(result).toMatchObject({ healthy: true, by: 'running' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('names a refused connection', async () => {
    const port = await serve(() => 200);
    servers.pop()!.close();
    const result = await waitHealthy({ probes: http(port), deadlineMs: 100, intervalMs: 20 });
    expect(result).toMatchObject({ healthy: false, reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('a command check passes on exit 0 and names its output otherwise', async () => {
    let calls = 0;
    const probe: NamedProbe = {
      name: 'readiness',
      label: "command 'redis-cli ping'",
      probe: { kind: 'command', command: 'redis-cli ping', run: async () => (calls++ < 2 ? { ok: false, output: 'Connection refused', timedOut: false } : { ok: true, output: 'PONG', timedOut: false }) },
    };
    expect(await waitHealthy({ probes: [probe], deadlineMs: 10_000, intervalMs: 5 })).toMatchObject({ healthy: true });
    calls = -1000;
    expect(await waitHealthy({ probes: [probe], deadlineMs: 50, intervalMs: 10 })).toMatchObject({
      healthy: false,
      reason: expect.stringContaining("readiness command 'redis-cli ping': failed: Connection refused"),
    });
  });
});

describe('probeTcp', () => {
  it('passes on a listener that keeps the connection open', async () => {
    const port = await listen(net.createServer(() => undefined));
    expect(await probeTcp(port, 2000)).toBe('ok');
  });

  it('fails when the peer closes at once (what docker-proxy does with nothing behind it)', async () => {
    const port = await listen(net.createServer((socket) => socket.destroy()));
    expect(await probeTcp(port, 2000)).toBe('connection closed at once');
  });

  it('names a refused connection', async () => {
    const server = net.createServer();
    const port = await listen(server);
    servers.pop();
    server.close();
    await once(server, 'close');
    expect(await probeTcp(port, 2000)).toBe('ECONNREFUSED');
  });
});
