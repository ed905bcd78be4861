/**
 * The generated Dockerfile, built and run on the real engine (see test/support/environment.ts):
 * the image builds with BuildKit from the local base image, serves readiness, becomes healthy
 * through its node-based HEALTHCHECK on liveness, runs as `node`, carries the multi-line
 * description label exactly, knows its build, and `docker stop` (SIGTERM to node as PID 1)
 * ends it with exit code 0 quickly. A new commit changes no file layer; under `--init` the
 * same image reaps orphaned processes, which node as PID 1 does not.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dockerSuite } from '../support/environment.js';
import { freePort, installedService, SERVICE_ANSWERS, workingCopy } from '../support/service-fixture.js';

const execFileAsync = promisify(execFile);

dockerSuite('generated service image', (env) => {
  const tag = `shovel-service-e2e:${process.pid}-${Date.now()}`;
  const container = `shovel-service-e2e-${process.pid}-${Date.now()}`;
  const initContainer = `${container}-init`;
  const rebuiltTag = `${tag}-next`;
  const timings: Record<string, number> = {};
  let dir: string | undefined;
  let built = false;

  async function docker(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
    try {
      const { stdout } = await execFileAsync(env.docker, args, {
        env: { ...process.env, DOCKER_BUILDKIT: '1', ...extraEnv },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout.trim();
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`docker ${args.slice(0, 2).join(' ')} failed:\n${`${stdout}\n${stderr}`.slice(-4000)}`);
    }
  }

  beforeAll(async () => {
    dir = await workingCopy(await installedService());
  }, 300_000);

  afterAll(async () => {
    await docker(['rm', '-f', container, initContainer]).catch(() => undefined);
    if (built) await docker(['rmi', '-f', tag, rebuiltTag]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    console.info(`[service docker] measured (ms): ${JSON.stringify(timings)}`);
  });

  const build = (image: string, revision: string, created: string) =>
    docker([
      'build',
      '--network',
      'host',
      '--build-arg',
      `NODE_IMAGE=${env.nodeImage}`,
      '--build-arg',
      'VERSION=0.1.0',
      '--build-arg',
      `REVISION=${revision}`,
      '--build-arg',
      `CREATED=${created}`,
      '--build-arg',
      `DESCRIPTION=${SERVICE_ANSWERS.description}`,
      '-t',
      image,
      dir!,
    ]);
  const layersOf = async (image: string) => JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', image])) as string[];

  it('builds with BuildKit from the given base image, labelled from build arguments', async () => {
    const started = Date.now();
    await build(tag, '0123abc', '2026-01-02T03:04:05Z');
    timings['docker build'] = Date.now() - started;
    built = true;

    const config = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config}}', tag])) as {
      User: string;
      Labels: Record<string, string>;
      Env: string[];
      Healthcheck: { Test: string[] };
    };
    expect(config.User).toBe('node');
    expect(config.Env).toContain('NODE_ENV=production');
    expect(config.Env).toEqual(expect.arrayContaining(['SERVICE_VERSION=0.1.0', 'SERVICE_REVISION=0123abc']));
    expect(config.Healthcheck.Test).toEqual(['CMD', 'node', 'dist/healthcheck.js', '/health/live']);
    expect(config.Labels['org.opencontainers.image.description']).toBe(SERVICE_ANSWERS.description);
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.title': SERVICE_ANSWERS.name,
      'org.opencontainers.image.version': '0.1.0',
      'org.opencontainers.image.revision': '0123abc',
      'org.opencontainers.image.created': '2026-01-02T03:04:05Z',
    });
    // Compiled JavaScript and production dependencies only.
    const listing = await docker([
      'run', '--rm', '--network', 'host', '--entrypoint', 'sh', tag, '-c',
      'ls -A /app /app/dist; for p in typescript vitest tsx @biomejs plop create-shovel fastify; do [ -e /app/node_modules/$p ] && echo "present:$p"; done; true',
    ]);
    expect(listing).toContain('main.js');
    expect(listing).not.toMatch(/^(src|test|tsconfig.*|\.env.*|\.git)$|\.ts$/m);
    expect(listing.match(/^present:.*$/gm)).toEqual(['present:fastify']);
  }, 600_000);

  it('rebuilds a new commit without changing any file layer (the build arguments come last)', async () => {
    expect(built).toBe(true);
    const started = Date.now();
    await build(rebuiltTag, '4567def', '2026-01-03T00:00:00Z');
    timings['docker build, next commit'] = Date.now() - started;
    expect(await layersOf(rebuiltTag)).toEqual(await layersOf(tag));
    const labels = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', rebuiltTag])) as Record<string, string>;
    expect(labels['org.opencontainers.image.revision']).toBe('4567def');
  }, 600_000);

  it('serves readiness and metrics, turns healthy, runs as node, and stops with exit 0 on SIGTERM', async () => {
    expect(built).toBe(true);
    const [port, metricsPort] = [await freePort(), await freePort()];
    await docker([
      'run', '-d', '--network', 'host', '--name', container,
      '-e', `PORT=${port}`, '-e', `METRICS_PORT=${metricsPort}`, '-e', 'HOST=127.0.0.1',
      '-e', 'SHUTDOWN_DELAY_MS=300', '-e', 'SHUTDOWN_TIMEOUT_MS=3000',
      tag,
    ]);
    const started = Date.now();
    let status = 0;
    while (Date.now() - started < 30_000) {
      status = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status, () => 0);
      if (status === 200) break;
      await sleep(100);
    }
    timings['run until ready'] = Date.now() - started;
    expect(status).toBe(200);
    const hello = await fetch(`http://127.0.0.1:${port}/v1/hello?name=docker`);
    expect(await hello.json()).toEqual({ message: 'Hello, docker!' });
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('route="/v1/hello"');

    const user = await docker(['exec', container, 'node', '-e', 'process.stdout.write(require("os").userInfo().username)']);
    expect(user).toBe('node');
    const pid1 = await docker(['exec', container, 'cat', '/proc/1/cmdline']);
    expect(pid1.replace(/\0/g, ' ').trim()).toBe('node dist/main.js');

    // The HEALTHCHECK (node, no curl) reports healthy after its first interval.
    let health = '';
    while (Date.now() - started < 60_000) {
      health = await docker(['inspect', '--format', '{{.State.Health.Status}}', container]);
      if (health === 'healthy' || health === 'unhealthy') break;
      await sleep(500);
    }
    timings['run until healthy'] = Date.now() - started;
    expect(health).toBe('healthy');

    const stopping = Date.now();
    await docker(['stop', '--time', '20', container]);
    timings['docker stop'] = Date.now() - stopping;
    const state = JSON.parse(await docker(['inspect', '--format', '{{json .State}}', container])) as { ExitCode: number };
    expect(state.ExitCode).toBe(0);
    // SIGTERM reached node: it drained (300 ms delay) and exited long before the 20 s SIGKILL.
    expect(timings['docker stop']).toBeLessThan(5000);
    const logs = await docker(['logs', container]);
    expect(logs).toContain('shutdown 3/3: all requests finished, exiting 0');
    expect(logs).toContain('"version":"0.1.0","revision":"0123abc"');
  }, 120_000);

  /** Orphans a `sleep` (its parent exits at once) so PID 1 inherits it, and counts zombies once it ended. */
  async function zombiesAfterOrphan(name: string): Promise<number> {
    await docker(['exec', name, 'sh', '-c', '(sleep 0.2 &) ; exit 0']);
    await sleep(1000);
    const states = await docker(['exec', name, 'sh', '-c', 'cat /proc/[0-9]*/stat 2>/dev/null; true']);
    return states.split('\n').filter((line) => /^\d+ \(sleep\) Z /.test(line)).length;
  }

  it('reaps orphaned processes under --init (and node as PID 1 does not), still draining on SIGTERM', async () => {
    expect(built).toBe(true);
    const run = async (name: string, init: boolean) => {
      const [port, metricsPort] = [await freePort(), await freePort()];
      await docker([
        'run', '-d', '--network', 'host', '--name', name, ...(init ? ['--init'] : []),
        '-e', `PORT=${port}`, '-e', `METRICS_PORT=${metricsPort}`, '-e', 'HOST=127.0.0.1',
        '-e', 'SHUTDOWN_DELAY_MS=100', '-e', 'SHUTDOWN_TIMEOUT_MS=3000',
        tag,
      ]);
      const started = Date.now();
      while (Date.now() - started < 30_000) {
        if ((await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status, () => 0)) === 200) return;
        await sleep(100);
      }
      throw new Error(`${name} not ready after 30 s`);
    };
    const plain = `${container}-plain`;
    try {
      await run(plain, false);
      // Why the platform should add an init: node does not wait() for children it did not spawn.
      expect(await zombiesAfterOrphan(plain)).toBe(1);
    } finally {
      await docker(['rm', '-f', plain]).catch(() => undefined);
    }

    await run(initContainer, true);
    const pid1 = (await docker(['exec', initContainer, 'cat', '/proc/1/cmdline'])).replace(/\0/g, ' ').trim();
    expect(pid1).toMatch(/init -- node dist\/main\.js$/);
    expect(await zombiesAfterOrphan(initContainer)).toBe(0);
    const stopping = Date.now();
    await docker(['stop', '--time', '20', initContainer]);
    timings['docker stop (--init)'] = Date.now() - stopping;
    const state = JSON.parse(await docker(['inspect', '--format', '{{json .State}}', initContainer])) as { ExitCode: number };
    expect(state.ExitCode).toBe(0);
    expect(await docker(['logs', initContainer])).toContain('shutdown 3/3: all requests finished, exiting 0');
  }, 120_000);
});
