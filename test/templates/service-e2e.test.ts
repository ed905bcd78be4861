/**
 * The generated service, for real: copied as a clone would be, given a fresh `npm ci` from its
 * lockfile on the Node its engines name, built, its own tests, lint and typecheck run;
 * then the compiled service is started on free loopback ports and probed over HTTP, and
 * shut down with SIGTERM while requests are in flight. Durations are printed (measured, not
 * guessed) so slow steps show up in CI logs.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { suiteNeeding } from '../support/environment.js';
import { freePort, freshClone, installedService, serviceNodeStatus, type ServiceNode } from '../support/service-fixture.js';

const execFileAsync = promisify(execFile);
const timings: Record<string, number> = {};

/** Every file under `dir` (node_modules, dist and .git aside) with its contents. */
async function snapshot(dir: string, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (['node_modules', 'dist', '.git'].includes(rel)) continue;
    if (entry.isDirectory()) for (const [k, v] of await snapshot(dir, rel)) out.set(k, v);
    else out.set(rel, await readFile(path.join(dir, rel), 'utf8'));
  }
  return out;
}

/** Runs an npm script in `cwd`; failures carry the tail of its output. */
async function npm(cwd: string, args: string[], label = args.join(' ')): Promise<string> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await execFileAsync('npm', args, {
      cwd,
      env: { ...node.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return `${stdout}\n${stderr}`;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${`${stdout}\n${stderr}`.slice(-4000)}`);
  } finally {
    timings[label] = Date.now() - started;
  }
}

interface Running {
  child: ChildProcess;
  lines: () => Record<string, unknown>[];
  base: string;
  metrics: string;
}

async function startService(dir: string, env: Record<string, string>): Promise<Running> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const child = spawn(node.bin, ['dist/main.js'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const lines = () =>
    out
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const started = Date.now();
  while (!lines().some((line) => line.msg === 'ready')) {
    if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode}:\n${out}\n${err}`);
    if (Date.now() - started > 20_000) throw new Error(`service not ready after 20 s:\n${out}\n${err}`);
    await sleep(50);
  }
  timings['start until ready'] = Date.now() - started;
  expect(err).toBe('');
  return { child, lines, base: `http://127.0.0.1:${port}`, metrics: `http://127.0.0.1:${metricsPort}` };
}

// A route written by this test into its working copy (never into the template): it answers
// after ?ms= milliseconds, so requests can be in flight when SIGTERM arrives.
const SLOW_ROUTE = `/** Test-only route written by Shovel's end-to-end test: answers after ?ms= milliseconds. */
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyPluginAsync } from "fastify";
import type { RouteOptions } from "../routes.js";

const slowRoutes: FastifyPluginAsync<RouteOptions> = async (app) => {
  app.get<{ Querystring: { ms?: number } }>(
    "/slow",
    {
      schema: {
        querystring: {
          type: "object",
          properties: { ms: { type: "integer", minimum: 0, maximum: 10000 } },
        },
      },
    },
    async (request) => {
      // The access line comes when the response is sent: this one says the request is in.
      request.log.info("slow request started");
      await sleep(request.query.ms ?? 0);
      return { items: [] };
    },
  );
};

export default slowRoutes;
`;

/** The Node the service runs on here: the floor of its engines.node where CI provides it. */
let node: ServiceNode;

suiteNeeding('generated service, end to end', serviceNodeStatus(), (serviceNode) => {
  node = serviceNode;
  let dir: string;

  beforeAll(async () => {
    const service = await installedService();
    if (service.installMs !== undefined) timings['npm ci (cache)'] = service.installMs;
    const clone = await freshClone(service, node);
    timings['npm ci (fresh copy)'] = clone.installMs;
    dir = clone.dir;
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes its own build, tests, lint and typecheck as generated, on the Node its engines name', async () => {
    expect((await npm(dir, ['exec', '--', 'node', '-p', 'process.versions.node'], 'node version')).trim()).toBe(node.version);
    await npm(dir, ['run', 'build']);
    const test = await npm(dir, ['test']);
    expect(test).toMatch(/Test Files +\d+ passed/);
    // No warnings: no Node/Fastify deprecation or warning lines, no lint findings at all.
    expect(test).not.toMatch(/Deprecation|Warning:/);
    const lint = await npm(dir, ['run', 'lint']);
    expect(lint).not.toMatch(/Found \d+ (error|warning|info)/);
    const typecheck = await npm(dir, ['run', 'typecheck']);
    expect(typecheck).not.toMatch(/error TS/);
  }, 300_000);

  it('adds a route with `npm run gen -- route orders`, and still builds and passes', async () => {
    const before = await snapshot(dir);
    await npm(dir, ['run', 'gen', '--', 'route', 'orders']);
    // Generating only adds files: routes are loaded by @fastify/autoload, nothing is wired in.
    const after = await snapshot(dir);
    expect([...after.keys()].filter((file) => !before.has(file)).sort()).toEqual(['src/routes/orders.ts', 'test/routes/orders.test.ts']);
    expect([...before].filter(([file, text]) => after.get(file) !== text).map(([file]) => file)).toEqual([]);

    await npm(dir, ['run', 'gen', '--', 'route', 'slow']);
    await writeFile(path.join(dir, 'src/routes/slow.ts'), SLOW_ROUTE);

    await npm(dir, ['run', 'lint'], 'lint after gen');
    await npm(dir, ['run', 'typecheck'], 'typecheck after gen');
    await npm(dir, ['run', 'build'], 'build after gen');
    const test = await npm(dir, ['test'], 'test after gen');
    expect(test).toContain('test/routes/orders.test.ts');
  }, 300_000);

  it('serves health, metrics, build info, OpenAPI and the example route over real HTTP', async () => {
    const service = await startService(dir, { SERVICE_VERSION: '1.2.3', SERVICE_REVISION: '0123abc' });
    try {
      const live = await fetch(`${service.base}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${service.base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });

      const hello = await fetch(`${service.base}/v1/hello?name=Ada`, { headers: { 'x-request-id': 'e2e-1' } });
      expect(hello.status).toBe(200);
      expect(hello.headers.get('x-request-id')).toBe('e2e-1');
      expect(await hello.json()).toEqual({ message: 'Hello, Ada!' });
      expect((await fetch(`${service.base}/v1/hello?name=`)).status).toBe(400);
      const missing = await fetch(`${service.base}/v1/nope/123`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect((await fetch(`${service.base}/v1/orders`)).status).toBe(200);

      const metrics = await (await fetch(`${service.metrics}/metrics`)).text();
      expect(metrics).toContain('process_resident_memory_bytes');
      expect(metrics).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/hello",status_code="200"\} 1/);
      expect(metrics).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/);
      expect(metrics).not.toContain('/v1/nope');
      expect(metrics).toContain('build_info{version="1.2.3",revision="0123abc"} 1');
      expect((await fetch(`${service.base}/metrics`)).status).toBe(404);

      // The OpenAPI document of the public routes, generated ones included, on the private port only.
      const openapi = await fetch(`${service.metrics}/openapi.json`);
      expect(openapi.status).toBe(200);
      const document = (await openapi.json()) as { info: { version: string }; paths: Record<string, unknown> };
      expect(document.info.version).toBe('1.2.3');
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/hello', '/v1/orders', '/health/live']));
      expect((await fetch(`${service.base}/openapi.json`)).status).toBe(404);

      // Probes are not logged at info; the example request is, in one access line, and every
      // line names the build. Lines are written in batches, at most 100 ms late: wait for the
      // line of the last request above (lines keep their order), then read them all.
      const lastLine = (line: Record<string, unknown>) => JSON.stringify(line).includes('/v1/orders');
      await until('the access line of GET /v1/orders', () => service.lines().some(lastLine), { timeoutMs: 2000 });
      const logged = service.lines();
      expect(logged.some((line) => JSON.stringify(line).includes('/health/'))).toBe(false);
      const ofRequest = logged.filter((line) => line.requestId === 'e2e-1');
      expect(ofRequest.map((line) => line.msg)).toEqual(['request completed']);
      expect(ofRequest[0]).toMatchObject({ req: { method: 'GET', url: '/v1/hello?name=Ada' }, res: { statusCode: 200 } });
      for (const line of logged) expect(line).toMatchObject({ version: '1.2.3', revision: '0123abc' });
    } finally {
      service.child.kill('SIGKILL');
    }
  }, 60_000);

  it('drains on SIGTERM: in-flight requests finish, readiness is 503, exit 0 in time', async () => {
    const delayMs = 1000;
    const timeoutMs = 5000;
    const service = await startService(dir, {
      SHUTDOWN_DELAY_MS: String(delayMs),
      SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
    });
    const exited = once(service.child, 'exit');

    const inFlight = Array.from({ length: 20 }, (_, i) =>
      fetch(`${service.base}/v1/slow?ms=${1500 + i * 10}`).then((response) => response.status),
    );
    // Signal only once every request is inside the service (logged), not still connecting.
    const arrived = () => service.lines().filter((line) => line.msg === 'slow request started').length;
    while (arrived() < 20) await sleep(20);
    const signalled = Date.now();
    service.child.kill('SIGTERM');

    // During the delay the server still answers, telling load balancers to go away.
    await sleep(100);
    const readiness: number[] = [];
    while (Date.now() - signalled < delayMs - 200) {
      readiness.push((await fetch(`${service.base}/health/ready`)).status);
      await sleep(100);
    }
    expect(readiness.length).toBeGreaterThan(0);
    expect(new Set(readiness)).toEqual(new Set([503]));

    expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 20 }, () => 200));
    const [code] = await exited;
    const tookMs = Date.now() - signalled;
    timings['SIGTERM until exit'] = tookMs;
    expect(code).toBe(0);
    expect(tookMs).toBeGreaterThanOrEqual(delayMs);
    expect(tookMs).toBeLessThan(delayMs + timeoutMs);

    const phases = service.lines().filter((line) => String(line.msg).startsWith('shutdown'));
    expect(phases.map((line) => line.msg)).toEqual([
      'shutdown 1/3: readiness is 503, waiting for traffic to stop',
      'shutdown 2/3: stopped accepting, waiting for in-flight requests',
      'shutdown 3/3: all requests finished, exiting 0',
    ]);
    console.info(`[service e2e] measured (ms): ${JSON.stringify(timings)}`);
  }, 60_000);

  it('under continuous load, SIGTERM loses nothing accepted before it and exits 0 in time', async () => {
    const delayMs = 800;
    const timeoutMs = 5000;
    const service = await startService(dir, {
      SHUTDOWN_DELAY_MS: String(delayMs),
      SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
    });
    const exited = once(service.child, 'exit');
    let done = false;
    void exited.then(() => (done = true));
    let signalledAt = Number.POSITIVE_INFINITY;
    const results: { startedAt: number; status?: number; error?: string }[] = [];
    // A bounded load generator: 8 workers, each one request after another, until the
    // process has exited (or 15 s have passed, whichever comes first).
    const started = Date.now();
    const worker = async (n: number) => {
      let i = 0;
      while (!done && Date.now() - started < 15_000) {
        const entry: (typeof results)[number] = { startedAt: Date.now() };
        results.push(entry);
        try {
          const response = await fetch(`${service.base}/v1/hello?name=w${n}-${i++}`);
          entry.status = response.status;
          await response.arrayBuffer();
        } catch (error) {
          entry.error = String((error as { cause?: { code?: string } }).cause?.code ?? error);
          // Refused connections after the listener closed: back off a little, stay bounded.
          await sleep(20);
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, n) => worker(n));
    await sleep(700);
    const beforeSignal = results.length;
    signalledAt = Date.now();
    service.child.kill('SIGTERM');
    const [code] = await exited;
    const tookMs = Date.now() - signalledAt;
    await Promise.all(workers);

    const accepted = results.filter((r) => r.startedAt < signalledAt);
    expect(beforeSignal).toBeGreaterThan(50);
    expect(accepted.filter((r) => r.error !== undefined)).toEqual([]);
    expect(accepted.filter((r) => r.status !== 200)).toEqual([]);
    // During the delay the service still serves everything. Only once it stops accepting may
    // a late request get Fastify's 503 + connection: close, or a refused connection.
    const stoppedAccepting = signalledAt + delayMs - 50;
    const duringDelay = results.filter((r) => r.startedAt >= signalledAt && r.startedAt < stoppedAccepting);
    expect(duringDelay.length).toBeGreaterThan(0);
    expect(duringDelay.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.status !== undefined && r.status !== 200 && r.status !== 503)).toEqual([]);
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(delayMs + timeoutMs);
    console.info(
      `[service e2e] load during SIGTERM: ${accepted.length} requests before the signal, ${results.length - accepted.length} after; exit ${code} after ${tookMs} ms`,
    );
  }, 60_000);
});
