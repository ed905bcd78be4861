/**
 * Preflight checks what would make a release fail later, before anything is built: a docker
 * client that cannot build with BuildKit (the real client with BuildKit turned off), and an
 * app definition the Marathon dialect cannot express.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { ReleaseRecord } from '../../src/release/record.js';
import { dockerSuite } from '../support/environment.js';
import { makeServiceRepo, runShovel } from './helpers.js';

const stepsOf = (stdout: string) => (JSON.parse(stdout.trim().split('\n').pop() || '{}') as ReleaseRecord).steps.map((s) => `${s.name}:${s.status}`);

dockerSuite('shovel release preflight', (env) => {
  it('a docker client without BuildKit: exit 1 in Preflight with the BuildKit hint; nothing built', async () => {
    const dir = await makeServiceRepo({ registry: env.registry, nodeImage: env.nodeImage });
    const bin = await mkdtemp(path.join(os.tmpdir(), 'shovel-legacy-docker-'));
    const wrapper = path.join(bin, 'docker');
    // The engine's own client, made to use the legacy builder whatever it is asked.
    await writeFile(wrapper, `#!/bin/sh\nDOCKER_BUILDKIT=0 exec ${JSON.stringify(env.docker)} "$@"\n`);
    await chmod(wrapper, 0o755);
    const run = await runShovel(['release', '--json'], {
      cwd: dir,
      env: { SHOVEL_DOCKER: wrapper, SHOVEL_DOCKER_NETWORK: 'host', SHOVEL_REGISTRY_USER: env.registryUser, SHOVEL_REGISTRY_PASSWORD: env.registryPassword },
    });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain('cannot build with BuildKit');
    expect(run.stderr).toContain('point SHOVEL_DOCKER at one that can');
    expect(stepsOf(run.stdout)).toEqual(['Preflight:failed']);
  });

  it('secrets on a Marathon dialect without them: exit 2 in Preflight, before the engine or Marathon is asked', async () => {
    const dir = await makeServiceRepo({
      registry: env.registry,
      nodeImage: env.nodeImage,
      // Nothing listens on port 1: any request to it would fail differently.
      extraYaml: 'secrets:\n  API_KEY: prod/api-key\nmarathon:\n  url: http://127.0.0.1:1\n',
    });
    const run = await runShovel(['release', '--json', '--dialect', '0.15'], { cwd: dir, env: { SHOVEL_DOCKER: env.docker } });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain('SHOVEL_ERR_MARATHON_DIALECT');
    expect(stepsOf(run.stdout)).toEqual(['Preflight:failed']);
  });
});
