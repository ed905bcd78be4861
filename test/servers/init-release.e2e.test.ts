/**
 * A repository of third-party software with a Dockerfile and no package.json (nginx from
 * Debian's packages on the port its Dockerfile names): `shovel init --yes` writes shovel.yml
 * from the Dockerfile, and `shovel release` releases it with no edit by hand.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commitAll, runShovel } from '../release/helpers.js';
import { serversSuite } from './environment.js';
import { freePort, httpGet, makeServerRepo, releaseEnv, removeService, runningContainers, shovel } from './fixture.js';

const RELEASE_TIMEOUT_MS = 300_000;

serversSuite('shovel init --yes, then shovel release of nginx without package.json (real engine and registry)', ['nginx'], (env) => {
  const service = `static-${randomBytes(3).toString('hex')}`;
  let dir = '';
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    // The files of the nginx fixture with a Dockerfile that fixes the port, and no shovel.yml.
    dir = await makeServerRepo(env, {
      name: service,
      fixtures: ['nginx', 'nginx-init'],
      omit: ['shovel.yml'],
      debSet: 'nginx',
      files: ['Dockerfile'],
      values: { PORT: port },
      commit: false,
    });
  });

  afterAll(async () => {
    await removeService(env, service);
  });

  it('init writes shovel.yml from the Dockerfile; release exits 0 and nginx answers on the port the Dockerfile exposes', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    expect(existsSync(path.join(dir, 'package.json'))).toBe(false);
    const init = await runShovel(['init', '--yes', '--image-repository', env.registry, '--instances', '1'], { cwd: dir, env: releaseEnv(env) });
    expect(init.exitCode, init.stderr).toBe(0);
    // The service id is the directory's name, the port the one the Dockerfile exposes.
    const written = parse(await readFile(path.join(dir, 'shovel.yml'), 'utf8')) as { service: { id: string }; ports: Array<{ containerPort: number }> };
    expect(written.service.id).toBe(service);
    expect(written.ports.map((p) => p.containerPort)).toEqual([port]);
    await commitAll(dir, 'shovel init --yes');

    const { run, record } = await shovel(env, dir, ['release', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.outcome).toBe('healthy');
    expect(await runningContainers(env, service)).toHaveLength(1);
    const page = await httpGet(port, '/');
    expect(page).toMatchObject({ status: 200 });
    expect((page as { body: string }).body).toContain('served by nginx');
  });
});
