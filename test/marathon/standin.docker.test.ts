/**
 * End to end on the local Docker engine: the stand-in runs every task as a real container in
 * a network namespace of its own (bridge mode without a bridge: --network none, its host ports
 * relayed in through nsenter), health-checks it as Marathon and the Mesos agent would, rolls
 * it, kills it with docker stop; the release code drives it through MarathonClient. The task
 * image is built here, FROM the local Node base image, without pulling anything.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { shovelConfigSchema } from '../../src/config/schema.js';
import { MarathonClient } from '../../src/marathon/client.js';
import { deployToMarathon } from '../../src/marathon/deploy.js';
import { renderAppDefinition } from '../../src/marathon/render.js';
import type { ShovelError } from '../../src/errors.js';
import { dockerSuite } from '../support/environment.js';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';

const run = promisify(execFile);

/**
 * A task that serves /health/live, /health/ready and / on the port in $LISTEN_VAR (default
 * PORT), metrics on $METRICS_PORT, on every address of its namespace (or on $BIND).
 */
const SERVER = `
const http = require('node:http');
const mode = process.env.MODE || 'healthy';
const listenVar = process.env.LISTEN_VAR || 'PORT';
const body = () => JSON.stringify({ release: process.env.RELEASE, port: process.env[listenVar], env: process.env });
const app = http.createServer((req, res) => {
  const ok = mode === 'healthy';
  if (req.url === '/health/live' || req.url === '/health/ready') { res.writeHead(ok ? 200 : 503); return res.end(); }
  res.writeHead(200, { 'content-type': 'application/json' }); res.end(body());
});
const metrics = http.createServer((req, res) => { res.end('up 1\\n'); });
if (mode === 'crash') { console.error('boom: crashing on purpose'); process.exit(3); }
app.listen(Number(process.env[listenVar]), process.env.BIND || '0.0.0.0');
metrics.listen(Number(process.env.METRICS_PORT), process.env.BIND || '0.0.0.0');
process.on('SIGTERM', () => { app.close(); metrics.close(); process.exit(0); });
`;

dockerSuite('Marathon stand-in on Docker', (env) => {
  let standin: MarathonStandin;
  let client: MarathonClient;
  let image: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-standin-'));
    const dockerfile = `FROM ${env.nodeImage}\nCOPY server.js /srv/server.js\nCMD ["node", "/srv/server.js"]\n`;
    await writeFile(path.join(dir, 'server.js'), SERVER);
    await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
    image = `shovel-standin-task:${createHash('sha256').update(dockerfile + SERVER).digest('hex').slice(0, 12)}`;
    await run(env.docker, ['build', '--network', 'host', '-t', image, dir], { env: { ...process.env, DOCKER_BUILDKIT: '1' } });
    standin = await startMarathonStandin({ runner: 'docker', docker: env.docker });
    client = new MarathonClient({ url: standin.url, retry: { attempts: 3, baseDelayMs: 50 } });
  }, 180_000);

  afterAll(async () => {
    await standin?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const definition = (release: string, mode: string, instances = 2, env: Record<string, string> = {}) =>
    renderAppDefinition(
      shovelConfigSchema.parse({
        service: { id: 'e2e', group: '/standin' },
        image: { repository: 'shovel-standin-task' },
        resources: { cpus: 0.1, memory: 64, instances },
        ports: { http: 8080, metrics: 9090 },
        health: { gracePeriodSeconds: 3, intervalSeconds: 2, timeoutSeconds: 1, maxConsecutiveFailures: 2 },
        shutdown: { delayMs: 0, timeoutMs: 500 },
        killGracePeriodSeconds: 2,
        env: { RELEASE: release, MODE: mode, ...env },
      }),
      { image, dialect: '1.x' },
    );

  async function serving(appId = '/standin/e2e'): Promise<Array<{ release: string; port: string; env: Record<string, string> }>> {
    const tasks = standin.app(appId)!.tasks.filter((t) => t.state === 'running');
    return Promise.all(tasks.map(async (t) => (await (await fetch(`http://127.0.0.1:${t.ports[0]}/`)).json()) as never));
  }

  async function containers(): Promise<string[]> {
    const { stdout } = await run(env.docker, ['ps', '--filter', 'label=shovel.marathon-standin', '--format', '{{.ID}}']);
    return stdout.split('\n').filter(Boolean);
  }

  it('first release: real containers in their own network namespaces, healthy, serving on their container port', async () => {
    const started = Date.now();
    const result = await deployToMarathon(client, { appId: '/standin/e2e', definition: definition('v1', 'healthy'), deadlineMs: 60_000, onFirstFailure: 'scale-to-zero', pollIntervalMs: 250 });
    console.info(`first release healthy in ${Date.now() - started} ms`);
    expect(result.outcome).toBe('healthy');
    const answers = await serving();
    expect(answers.map((a) => a.release)).toEqual(['v1', 'v1']);
    // Marathon's environment, untouched: host ports in PORT0/PORT_HTTP/PORT_8080/PORTS, and
    // the app env's PORT (the container port) last. The answers came in through the host ports.
    const tasks = standin.app('/standin/e2e')!.tasks.filter((t) => t.state === 'running');
    for (const [i, a] of answers.entries()) {
      const [http, metrics] = tasks[i]!.ports.map(String);
      expect(a.port).toBe('8080');
      expect(a.env).toMatchObject({ PORT: '8080', METRICS_PORT: '9090', PORT0: http, PORT1: metrics, PORT_HTTP: http, PORT_8080: http, PORT_METRICS: metrics, PORTS: `${http},${metrics}`, HOST: '0.0.0.0', MARATHON_APP_ID: '/standin/e2e' });
    }
    const ids = await containers();
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const { stdout } = await run(env.docker, ['inspect', '--format', '{{.HostConfig.NetworkMode}}', ids[0]!]);
    expect(stdout.trim()).toBe('none');
  });

  it('a release that never gets healthy is rolled back; v1 keeps serving throughout', async () => {
    const started = Date.now();
    let servedV1Throughout = true;
    const probe = setInterval(() => {
      void serving()
        .then((a) => {
          if (!a.some((x) => x.release === 'v1')) servedV1Throughout = false;
        })
        .catch(() => undefined);
    }, 200);
    let error: ShovelError | undefined;
    // The rollback is a new version to Marathon: it replaces every task (TaskReplaceActor),
    // so it needs the time of a rollout, hence the reserve.
    try {
      await deployToMarathon(client, { appId: '/standin/e2e', definition: definition('v2', 'never-healthy'), deadlineMs: 22_000, rollbackReserveMs: 12_000, onFirstFailure: 'scale-to-zero', pollIntervalMs: 250 });
    } catch (e) {
      error = e as ShovelError;
    } finally {
      clearInterval(probe);
    }
    console.info(`never-healthy release rolled back in ${Date.now() - started} ms`);
    expect(error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(servedV1Throughout).toBe(true);
    expect((await serving()).map((a) => a.release)).toEqual(['v1', 'v1']);
    expect(error?.details.join('\n')).toMatch(/TASK_KILLED|TASK_FAILED/);
  });

  it('a task that binds $PORT0 (a host port) inside its container is never healthy; nothing answers on its host port', async () => {
    const appId = '/standin/port0';
    await client.putApp(appId, { ...definition('p1', 'healthy', 1, { LISTEN_VAR: 'PORT0' }), id: appId });
    let hostPort: number | undefined;
    for (let i = 0; i < 40 && hostPort === undefined; i++) {
      await new Promise((r) => setTimeout(r, 250));
      hostPort = standin.app(appId)?.tasks.find((t) => t.state === 'running')?.ports[0];
    }
    expect(hostPort).toBeDefined();
    // It listens, but where nothing is forwarded: the host port leads to its container port.
    await new Promise((r) => setTimeout(r, 1000));
    await expect(fetch(`http://127.0.0.1:${hostPort}/`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    // MESOS_HTTP probes the container port inside its namespace: never healthy, then killed.
    let failure: Record<string, unknown> | undefined;
    for (let i = 0; i < 60 && !failure; i++) {
      await new Promise((r) => setTimeout(r, 250));
      expect(standin.engine.counts(standin.app(appId)!).tasksHealthy).toBe(0);
      failure = (await client.getApp(appId))?.lastTaskFailure;
    }
    expect(failure).toMatchObject({ state: 'TASK_KILLED', message: expect.stringContaining('health check failed') });
    await client.deleteApp(appId, { force: true });
  });

  it('a task bound to 127.0.0.1 only passes MESOS_HTTP (the agent probes inside) but is unreachable on its host port', async () => {
    const appId = '/standin/loopback';
    await client.putApp(appId, { ...definition('l1', 'healthy', 1, { BIND: '127.0.0.1' }), id: appId });
    let task: { ports: number[] } | undefined;
    for (let i = 0; i < 60 && !task; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const app = standin.app(appId)!;
      if (standin.engine.counts(app).tasksHealthy === 1) task = app.tasks[0];
    }
    expect(task).toBeDefined();
    await expect(fetch(`http://127.0.0.1:${task!.ports[0]}/`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    // ...so the readiness check (Marathon's, on the host port) never passes: still deploying.
    expect(standin.engine.runningDeployments(appId)).toHaveLength(1);
    await client.deleteApp(appId, { force: true });
  });

  it('a crashing container is recorded as lastTaskFailure with its exit status and log tail', async () => {
    const ref = await client.putApp('/standin/crash', { ...definition('c1', 'crash', 1), id: '/standin/crash' });
    let failure: Record<string, unknown> | undefined;
    for (let i = 0; i < 40 && !failure; i++) {
      await new Promise((r) => setTimeout(r, 250));
      failure = (await client.getApp('/standin/crash'))?.lastTaskFailure;
    }
    expect(failure).toMatchObject({ state: 'TASK_FAILED', message: expect.stringContaining('status 3') });
    expect(String(failure?.message)).toContain('boom');
    await client.deleteApp('/standin/crash', { force: true });
    expect(ref.deploymentId).toBeTruthy();
  });

  it('deleting the app stops its containers (docker stop, then removed)', async () => {
    await client.deleteApp('/standin/e2e', { force: true });
    let left = await containers();
    for (let i = 0; i < 60 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      left = await containers();
    }
    expect(left).toEqual([]);
  });
});
