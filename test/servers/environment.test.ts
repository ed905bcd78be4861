import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DockerEnvStatus } from '../support/environment.js';
import { debFiles, resolveServersEnv } from './environment.js';

const docker: DockerEnvStatus = {
  ok: true,
  env: { docker: 'docker', registry: '127.0.0.1:5000', registryUser: 'u', registryPassword: 'p', nodeImage: 'shovel-node:26' },
};

async function debsDir(sets: Record<string, string[]>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-debs-'));
  for (const [set, files] of Object.entries(sets)) {
    await mkdir(path.join(dir, set));
    for (const file of files) await writeFile(path.join(dir, set, file), '');
  }
  return dir;
}

describe('the Debian packages of the server tests', () => {
  it('runs with the Docker environment and every set holding .deb files', async () => {
    const debs = await debsDir({ nginx: ['nginx_1.deb', 'libssl3_3.deb', 'notes.txt'] });
    expect(resolveServersEnv(docker, { SHOVEL_TEST_DEBS: debs }, ['nginx'])).toEqual({ ok: true, env: { ...docker.env, debs } });
    expect(debFiles(debs, 'nginx')).toEqual([path.join(debs, 'nginx', 'libssl3_3.deb'), path.join(debs, 'nginx', 'nginx_1.deb')]);
  });

  it('names SHOVEL_TEST_DEBS and the setup command when the variable is unset', () => {
    const status = resolveServersEnv(docker, {}, ['redis-server']);
    expect(status).toEqual({ ok: false, reason: expect.stringContaining('redis-server') });
    expect(status.ok ? '' : status.reason).toMatch(/source \.ci\/setup-env\.sh.*missing: SHOVEL_TEST_DEBS/);
  });

  it('names the set whose directory is missing or empty', async () => {
    const debs = await debsDir({ nginx: [] });
    const status = resolveServersEnv(docker, { SHOVEL_TEST_DEBS: debs }, ['nginx', 'redis-server']);
    expect(status.ok).toBe(false);
    const reason = status.ok ? '' : status.reason;
    expect(reason).toContain(`${path.join(debs, 'nginx')} holds no .deb file`);
    expect(reason).toContain(`${path.join(debs, 'redis-server')} is not readable (ENOENT)`);
  });

  it('passes on what the Docker environment lacks first', () => {
    expect(resolveServersEnv({ ok: false, reason: 'needs a Docker engine' }, { SHOVEL_TEST_DEBS: '/x' }, ['nginx'])).toEqual({
      ok: false,
      reason: 'needs a Docker engine',
    });
  });
});
