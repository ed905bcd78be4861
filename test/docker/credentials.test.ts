import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerLoginFor, registryKey, requireDockerLogin } from '../../src/docker/credentials.js';
import { StepError } from '../../src/errors.js';
import { tempDir } from '../support/cli.js';

/** A DOCKER_CONFIG directory holding `config`, and a bin directory for credential helpers. */
async function dockerConfig(config: unknown): Promise<NodeJS.ProcessEnv> {
  const dir = await tempDir('shovel-docker-config-');
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  await mkdir(path.join(dir, 'bin'));
  return { DOCKER_CONFIG: dir, PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}` };
}

describe('a docker login for the registry, found before building', () => {
  it.each([
    ['https://127.0.0.1:5000/v1/', '127.0.0.1:5000'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['Registry.Example.com', 'registry.example.com'],
  ])('%s names %s', (server, key) => {
    expect(registryKey(server)).toBe(key);
  });

  it('finds auths entries with a secret and credHelpers; an empty auths entry is not a login', async () => {
    expect(await dockerLoginFor('127.0.0.1:5000', await dockerConfig({ auths: { 'http://127.0.0.1:5000': { auth: 'eDp5' } } }))).toBe('auths');
    expect(await dockerLoginFor('registry.example.com', await dockerConfig({ credHelpers: { 'registry.example.com': 'ecr-login' } }))).toBe('credHelpers');
    expect(await dockerLoginFor('127.0.0.1:5000', await dockerConfig({ auths: { '127.0.0.1:5000': {} } }))).toBeUndefined();
    expect(await dockerLoginFor('127.0.0.1:5000', await dockerConfig({ auths: { 'other:5000': { auth: 'eDp5' } } }))).toBeUndefined();
  });

  it('asks a credential store for its list of registries only', async () => {
    const env = await dockerConfig({ credsStore: 'fake', auths: { '127.0.0.1:5000': {} } });
    const helper = path.join(env.PATH!.split(':')[0]!, 'docker-credential-fake');
    await writeFile(helper, '#!/bin/sh\n[ "$1" = list ] || exit 3\necho \'{"https://127.0.0.1:5000":"ci"}\'\n');
    await chmod(helper, 0o755);
    expect(await dockerLoginFor('127.0.0.1:5000', env)).toBe('credsStore');
    expect(await dockerLoginFor('127.0.0.1:5001', env)).toBeUndefined();
    // A store whose helper is not installed holds nothing the push could use.
    expect(await dockerLoginFor('127.0.0.1:5000', await dockerConfig({ credsStore: 'absent' }))).toBeUndefined();
  });

  it('no login: a Preflight error that says where it looked and what to do', async () => {
    const env = await dockerConfig({});
    const error = (await requireDockerLogin('127.0.0.1:5000', env).catch((e: unknown) => e)) as StepError;
    expect(error).toBeInstanceOf(StepError);
    expect(error).toMatchObject({ code: 'SHOVEL_ERR_REGISTRY_NO_LOGIN', step: 'Preflight', exitCode: 1 });
    expect(error.details).toEqual([`looked in ${path.join(env.DOCKER_CONFIG!, 'config.json')} (auths, credHelpers, credsStore)`]);
    expect(error.hint).toBe('Run docker login 127.0.0.1:5000, or set SHOVEL_REGISTRY_USER and SHOVEL_REGISTRY_PASSWORD.');
  });
});
