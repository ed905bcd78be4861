/** The docker target's health gate against a real HTTP server on port 0. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitHealthy } from '../../src/release/health.js';

let server: Server | undefined;
afterEach(() => server?.close());

async function serve(status: (path: string, n: number) => number): Promise<string> {
  let n = 0;
  server = createServer((req, res) => {
    res.statusCode = status(req.url ?? '', n++);
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const paths = { readinessPath: '/ready', livenessPath: '/live' };

describe('waitHealthy', () => {
  it('is healthy once readiness and liveness both answer 200', async () => {
    const baseUrl = await serve((path, n) => (path === '/ready' && n < 6 ? 503 : 200));
    const result = await waitHealthy({ baseUrl, ...paths, deadlineMs: 10_000, intervalMs: 5 });
    expect(result.healthy).toBe(true);
  });

  it('is not healthy while liveness fails, and says which endpoint', async () => {
    const baseUrl = await serve((path) => (path === '/live' ? 500 : 200));
    const result = await waitHealthy({ baseUrl, ...paths, deadlineMs: 200, intervalMs: 20 });
    expect(result).toMatchObject({ healthy: false, reason: expect.stringContaining('liveness /live: HTTP 500') });
  });

  it('stops at once when the process under test is gone', async () => {
    const baseUrl = await serve(() => 503);
    const started = Date.now();
    const result = await waitHealthy({ baseUrl, ...paths, deadlineMs: 60_000, intervalMs: 10, gone: async () => 'container exited with code 1' });
    expect(result).toMatchObject({ healthy: false, reason: 'container exited with code 1' });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('names a refused connection', async () => {
    const baseUrl = await serve(() => 200);
    server!.close();
    await once(server!, 'close');
    const result = await waitHealthy({ baseUrl, ...paths, deadlineMs: 100, intervalMs: 20 });
    expect(result).toMatchObject({ healthy: false, reason: expect.stringContaining('ECONNREFUSED') });
  });
});
