/**
 * nginx from Debian's packages, listening on port 80 inside its container, with an HTTP health
 * check, released to the local engine: exit 0 and it answers 200 on its host port, the same
 * port release after release. The tests run in order and share one service.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serversSuite } from './environment.js';
import { dockerOf, editAndCommit, freePort, httpGet, makeServerRepo, removeService, runningContainers, shovel } from './fixture.js';

const RELEASE_TIMEOUT_MS = 300_000;

serversSuite('nginx on port 80 with an HTTP health check, docker target (real engine and registry)', ['nginx'], (env) => {
  const service = `nginx-${randomBytes(3).toString('hex')}`;
  const docker = dockerOf(env);
  let dir = '';
  let port = 0;
  let imageRef = '';

  beforeAll(async () => {
    port = await freePort();
    dir = await makeServerRepo(env, {
      name: service,
      fixtures: ['nginx'],
      debSet: 'nginx',
      files: ['shovel.yml'],
      values: { SERVICE: service, REGISTRY: env.registry, HOST_PORT: port },
    });
  });

  afterAll(async () => {
    await removeService(env, service);
  });

  it('releases with exit 0; GET answers 200 on its host port; Docker reports the container healthy', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    const { run, record } = await shovel(env, dir, ['release', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.outcome).toBe('healthy');
    expect(record.image?.tag).toMatch(/^1\.22\.1-[0-9a-f]{7}$/);
    imageRef = record.image?.ref ?? '';
    const page = await httpGet(port, '/');
    expect(page).toMatchObject({ status: 200 });
    expect((page as { body: string }).body).toContain('served by nginx');
    expect(await httpGet(port, '/health')).toEqual({ status: 200, body: 'ok\n' });
    const containers = await runningContainers(env, service);
    expect(containers).toHaveLength(1);
    // The image's own HEALTHCHECK runs too: Docker's status agrees with Shovel's.
    const deadline = Date.now() + 30_000;
    let health = '';
    while (Date.now() < deadline) {
      health = (await docker('inspect', '--format', '{{.State.Health.Status}}', containers[0]!)).stdout.trim();
      if (health === 'healthy') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(health).toBe('healthy');
  });

  it('the released image serves on port 80 in a container network of its own, as its non-root user', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    expect(imageRef).not.toBe('');
    // --network none: the container has only its own loopback, where port 80 is its own.
    const started = await docker('run', '-d', '--network', 'none', imageRef);
    expect(started.exitCode, started.stderr).toBe(0);
    const id = started.stdout.trim();
    try {
      const probe = `const http = require('node:http');
        const get = (n) => http.get('http://127.0.0.1:80/', (r) => { console.log(r.statusCode); process.exit(0); })
          .on('error', () => (n > 0 ? setTimeout(() => get(n - 1), 200) : process.exit(1)));
        get(50);`;
      const answer = await docker('exec', id, 'node', '-e', probe);
      expect(answer.stdout.trim()).toBe('200');
      expect((await docker('exec', id, 'id', '-un')).stdout.trim()).toBe('www-data');
    } finally {
      await docker('rm', '-f', id);
    }
  });

  it('the next release (a new page) answers at the same address, its container replacing the old one', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    const before = await runningContainers(env, service);
    await editAndCommit(dir, 'site/index.html', '<p>served by nginx</p>', '<p>served by nginx, second release</p>');
    const { run, record } = await shovel(env, dir, ['release', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.outcome).toBe('healthy');
    expect(record.image?.ref).not.toBe(imageRef);
    const page = await httpGet(port, '/');
    expect(page).toMatchObject({ status: 200 });
    expect((page as { body: string }).body).toContain('served by nginx, second release');
    const after = await runningContainers(env, service);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });
});
