/**
 * Push credentials are checked in Preflight, against the real registry with auth: a release
 * with no login for it fails before Build; a real `docker login` is found where the client
 * keeps it.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { dockerLoginFor } from '../../src/docker/credentials.js';
import { makeServiceRepo, runShovel } from '../release/helpers.js';
import { dockerSuite } from '../support/environment.js';

dockerSuite('push credentials in Preflight (real engine and registry)', (env) => {
  it('no login for a registry that asks for one: exit 1 in Preflight, nothing built', async () => {
    const dir = await makeServiceRepo({ registry: env.registry, nodeImage: env.nodeImage });
    const config = await mkdtemp(path.join(os.tmpdir(), 'shovel-empty-docker-config-'));
    const run = await runShovel(['release', '--json'], { cwd: dir, env: { SHOVEL_DOCKER: env.docker, DOCKER_CONFIG: config } });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain(`Preflight: The registry ${env.registry} asks for credentials, and there is no docker login for it.`);
    expect(run.stderr).toContain(`Run docker login ${env.registry}, or set SHOVEL_REGISTRY_USER and SHOVEL_REGISTRY_PASSWORD.`);
    const record = JSON.parse(run.stdout.trim().split('\n').pop()!) as { steps: { name: string }[]; error: { code: string } };
    expect(record.error.code).toBe('SHOVEL_ERR_REGISTRY_NO_LOGIN');
    expect(record.steps.map((s) => s.name)).toEqual(['Preflight']);
  });

  it('a real docker login is found in the config the client wrote', async () => {
    const config = await mkdtemp(path.join(os.tmpdir(), 'shovel-login-docker-config-'));
    const login = await execa(env.docker, ['login', env.registry, '--username', env.registryUser, '--password-stdin'], {
      input: env.registryPassword,
      env: { DOCKER_CONFIG: config },
      reject: false,
    });
    expect(login.exitCode, login.stderr).toBe(0);
    const written = JSON.parse(await readFile(path.join(config, 'config.json'), 'utf8')) as { credsStore?: string };
    expect(await dockerLoginFor(env.registry, { DOCKER_CONFIG: config, PATH: process.env.PATH })).toBe(written.credsStore ? 'credsStore' : 'auths');
  });
});
