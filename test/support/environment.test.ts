import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dockerSuite,
  type DockerEnvProbe,
  planDockerSuite,
  REQUIRED_VARS,
  resolveDockerEnv,
  splitHostPort,
} from './environment.js';

const FULL = {
  SHOVEL_DOCKER: '/usr/bin/docker',
  SHOVEL_TEST_DOCKER: '1',
  SHOVEL_TEST_REGISTRY: '127.0.0.1:5000',
  SHOVEL_TEST_REGISTRY_USER: 'shovel',
  SHOVEL_TEST_REGISTRY_PASSWORD: 'secret',
  SHOVEL_TEST_NODE_IMAGE: 'shovel-node:26',
};

function probe(problems: Partial<Record<keyof DockerEnvProbe, string>> = {}): DockerEnvProbe & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    engine: (docker) => (calls.push(`engine ${docker}`), problems.engine),
    image: (_docker, image) => (calls.push(`image ${image}`), problems.image),
    registry: (registry) => (calls.push(`registry ${registry}`), problems.registry),
  };
}

describe('resolveDockerEnv', () => {
  it('builds the environment from the variables when every probe passes', () => {
    const p = probe();
    expect(resolveDockerEnv(FULL, p)).toEqual({
      ok: true,
      env: {
        docker: '/usr/bin/docker',
        registry: '127.0.0.1:5000',
        registryUser: 'shovel',
        registryPassword: 'secret',
        nodeImage: 'shovel-node:26',
      },
    });
    expect(p.calls).toEqual(['engine /usr/bin/docker', 'image shovel-node:26', 'registry 127.0.0.1:5000']);
  });

  it('names every missing variable and the setup command, without probing', () => {
    const p = probe();
    const status = resolveDockerEnv({ SHOVEL_TEST_DOCKER: '1', SHOVEL_TEST_REGISTRY: '127.0.0.1:5000' }, p);
    expect(status.ok).toBe(false);
    if (status.ok) return;
    expect(status.reason).toContain('source .ci/setup-env.sh');
    expect(status.reason).toContain('missing: SHOVEL_TEST_REGISTRY_USER, SHOVEL_TEST_REGISTRY_PASSWORD, SHOVEL_TEST_NODE_IMAGE');
    expect(status.reason).not.toContain('SHOVEL_TEST_REGISTRY,');
    expect(p.calls).toEqual([]);
  });

  it('lists all required variables when none is set', () => {
    const status = resolveDockerEnv({}, probe());
    expect(status.ok).toBe(false);
    if (!status.ok) expect(status.reason).toContain(`missing: ${REQUIRED_VARS.join(', ')}`);
  });

  it('treats empty values as missing', () => {
    const status = resolveDockerEnv({ ...FULL, SHOVEL_TEST_REGISTRY_PASSWORD: '' }, probe());
    expect(status.ok).toBe(false);
    if (!status.ok) expect(status.reason).toContain('missing: SHOVEL_TEST_REGISTRY_PASSWORD)');
  });

  it('respects SHOVEL_TEST_DOCKER=0 as an explicit opt-out', () => {
    const status = resolveDockerEnv({ ...FULL, SHOVEL_TEST_DOCKER: '0' }, probe());
    expect(status.ok).toBe(false);
    if (!status.ok) expect(status.reason).toContain('SHOVEL_TEST_DOCKER=0');
  });

  it('uses the fallback docker client when SHOVEL_DOCKER is not set', () => {
    const { SHOVEL_DOCKER: _, ...rest } = FULL;
    const status = resolveDockerEnv(rest, probe(), '/opt/docker');
    expect(status.ok && status.env.docker).toBe('/opt/docker');
  });

  it('reports an unreachable engine and stops probing', () => {
    const p = probe({ engine: 'Cannot connect to the Docker daemon' });
    const status = resolveDockerEnv(FULL, p);
    expect(status.ok).toBe(false);
    if (!status.ok) {
      expect(status.reason).toContain('`/usr/bin/docker info` failed (Cannot connect to the Docker daemon)');
      expect(status.reason).toContain('source .ci/setup-env.sh');
    }
    expect(p.calls).toEqual(['engine /usr/bin/docker']);
  });

  it('reports a missing base image and a silent registry together', () => {
    const status = resolveDockerEnv(FULL, probe({ image: 'No such image', registry: 'GET http://127.0.0.1:5000/v2/ -> ECONNREFUSED' }));
    expect(status.ok).toBe(false);
    if (!status.ok) {
      expect(status.reason).toContain('base image shovel-node:26 is missing (No such image)');
      expect(status.reason).toContain('registry 127.0.0.1:5000 is not answering (GET http://127.0.0.1:5000/v2/ -> ECONNREFUSED)');
    }
  });
});

describe('planDockerSuite', () => {
  const missing = { ok: false as const, reason: 'needs a Docker engine and registry: run `source .ci/setup-env.sh`' };

  it('skips with the reason on a developer machine', () => {
    expect(planDockerSuite(missing, undefined)).toEqual({ mode: 'skip', message: missing.reason });
    expect(planDockerSuite(missing, 'false')).toEqual({ mode: 'skip', message: missing.reason });
  });

  it('fails, never skips, under CI', () => {
    for (const ci of ['true', '1']) {
      const plan = planDockerSuite(missing, ci);
      expect(plan.mode).toBe('fail');
      if (plan.mode === 'fail') {
        expect(plan.message).toContain(missing.reason);
        expect(plan.message).toContain('not a skip');
      }
    }
  });

  it('runs when the environment is there, CI or not', () => {
    const status = resolveDockerEnv(FULL, probe());
    expect(planDockerSuite(status, 'true').mode).toBe('run');
    expect(planDockerSuite(status, undefined).mode).toBe('run');
  });
});

describe('splitHostPort', () => {
  it('splits IPv4 and bracketed IPv6 addresses', () => {
    expect(splitHostPort('127.0.0.1:5000')).toEqual({ host: '127.0.0.1', port: '5000' });
    expect(splitHostPort('[::1]:5001')).toEqual({ host: '::1', port: '5001' });
    expect(splitHostPort('127.0.0.1')).toEqual({ host: '127.0.0.1', port: '80' });
  });
});

// The real environment (skipped without it on a developer machine, an error under CI).
dockerSuite('the Docker test environment', (env) => {
  function login(password: string) {
    const config = mkdtempSync(join(tmpdir(), 'shovel-docker-config-'));
    try {
      return spawnSync(env.docker, ['login', env.registry, '-u', env.registryUser, '--password-stdin'], {
        input: password,
        encoding: 'utf8',
        env: { ...process.env, DOCKER_CONFIG: config },
        timeout: 60_000,
      });
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  }

  it('registry accepts the right password and rejects a wrong one with 401', () => {
    expect(login(env.registryPassword).status).toBe(0);
    const wrong = login(`${env.registryPassword}-wrong`);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain('401');
  });

  it('base image runs Node with --network host', () => {
    const r = spawnSync(env.docker, ['run', '--rm', '--network', 'host', env.nodeImage, 'node', '-p', 'process.versions.node'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
