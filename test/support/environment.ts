/**
 * The real Docker environment of the end-to-end tests: a Docker engine, a registry with basic
 * auth on 127.0.0.1 and a base image with Node, as set up by `.ci/setup-env.sh`.
 *
 *   source .ci/setup-env.sh     # exports the SHOVEL_* variables below
 *
 * `dockerSuite(name, env => { ... })` declares a vitest suite that needs it. Without it the
 * suite is skipped with a message naming what is missing, except under CI (CI=true), where a
 * missing environment is a failing test, never a skip.
 *
 * Rules for tests that use it: every `docker build` / `docker run` uses `--network host`; only
 * 127.0.0.1 / ::1 are ever targeted; no image is pulled; log in to the registry in a temporary
 * DOCKER_CONFIG directory of the test (never the machine's ~/.docker).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

export interface DockerEnv {
  /** docker client binary (SHOVEL_DOCKER; Debian's /usr/bin/docker can use BuildKit). */
  docker: string;
  /** registry host:port, e.g. 127.0.0.1:5000 (SHOVEL_TEST_REGISTRY). */
  registry: string;
  registryUser: string;
  registryPassword: string;
  /** local base image with Node, e.g. shovel-node:26 (SHOVEL_TEST_NODE_IMAGE). */
  nodeImage: string;
}

export type DockerEnvStatus = { ok: true; env: DockerEnv } | { ok: false; reason: string };

/** Checks against the running engine/registry; each returns undefined when fine, else a problem. */
export interface DockerEnvProbe {
  engine(docker: string): string | undefined;
  image(docker: string, image: string): string | undefined;
  registry(registry: string): string | undefined;
}

/** Variables that must be set (SHOVEL_DOCKER is optional). */
export const REQUIRED_VARS = [
  'SHOVEL_TEST_DOCKER',
  'SHOVEL_TEST_REGISTRY',
  'SHOVEL_TEST_REGISTRY_USER',
  'SHOVEL_TEST_REGISTRY_PASSWORD',
  'SHOVEL_TEST_NODE_IMAGE',
] as const;

export const SETUP_HINT = 'run `source .ci/setup-env.sh`';

/** Default docker client: Debian's 20.10 client when present (the newer one on PATH has no BuildKit here). */
function defaultDocker(): string {
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

/** Decides from variables and probes (pure apart from the probe; unit-tested). */
export function resolveDockerEnv(
  vars: Record<string, string | undefined>,
  probe: DockerEnvProbe,
  fallbackDocker: string = 'docker',
): DockerEnvStatus {
  if (vars.SHOVEL_TEST_DOCKER !== undefined && vars.SHOVEL_TEST_DOCKER !== '' && vars.SHOVEL_TEST_DOCKER !== '1') {
    return {
      ok: false,
      reason: `needs a Docker engine and registry, but SHOVEL_TEST_DOCKER=${vars.SHOVEL_TEST_DOCKER} disables them (set it to 1: ${SETUP_HINT})`,
    };
  }
  const missing = REQUIRED_VARS.filter((name) => !vars[name]);
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `needs a Docker engine and registry: ${SETUP_HINT} (missing: ${missing.join(', ')})`,
    };
  }
  const env: DockerEnv = {
    docker: vars.SHOVEL_DOCKER || fallbackDocker,
    registry: vars.SHOVEL_TEST_REGISTRY!,
    registryUser: vars.SHOVEL_TEST_REGISTRY_USER!,
    registryPassword: vars.SHOVEL_TEST_REGISTRY_PASSWORD!,
    nodeImage: vars.SHOVEL_TEST_NODE_IMAGE!,
  };
  const engine = probe.engine(env.docker);
  if (engine !== undefined) {
    return { ok: false, reason: `needs a Docker engine: \`${env.docker} info\` failed (${engine}); ${SETUP_HINT}` };
  }
  const problems: string[] = [];
  const image = probe.image(env.docker, env.nodeImage);
  if (image !== undefined) problems.push(`base image ${env.nodeImage} is missing (${image})`);
  const registry = probe.registry(env.registry);
  if (registry !== undefined) problems.push(`registry ${env.registry} is not answering (${registry})`);
  if (problems.length > 0) {
    return { ok: false, reason: `needs a Docker engine and registry: ${problems.join('; ')}; ${SETUP_HINT}` };
  }
  return { ok: true, env };
}

function firstLine(text: string | Buffer | null | undefined): string {
  const line = String(text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return line ?? 'no output';
}

/** Probes the real engine and registry (synchronous: suites are declared synchronously). */
export const systemProbe: DockerEnvProbe = {
  engine(docker) {
    const r = spawnSync(docker, ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
    if (r.error) return r.error.message;
    return r.status === 0 ? undefined : firstLine(r.stderr || r.stdout);
  },
  image(docker, image) {
    const r = spawnSync(docker, ['image', 'inspect', '--format', '{{.Id}}', image], { encoding: 'utf8', timeout: 20_000 });
    if (r.error) return r.error.message;
    return r.status === 0 ? undefined : firstLine(r.stderr);
  },
  registry(registry) {
    // GET /v2/ without credentials: a registry with auth answers 401, one without 200.
    const script = `
      const http = require('node:http');
      const req = http.get({ host: process.argv[1], port: Number(process.argv[2]), path: '/v2/', timeout: 4000 }, (res) => {
        res.resume(); console.log(res.statusCode); process.exit(0);
      });
      req.on('timeout', () => { console.log('timeout'); process.exit(0); });
      req.on('error', (e) => { console.log(e.code || e.message); process.exit(0); });`;
    const { host, port } = splitHostPort(registry);
    const r = spawnSync(process.execPath, ['-e', script, host, port], { encoding: 'utf8', timeout: 10_000 });
    const answer = firstLine(r.stdout);
    if (answer === '401' || answer === '200') return undefined;
    return `GET http://${registry}/v2/ -> ${answer}`;
  },
};

/** "127.0.0.1:5000" -> host/port; "[::1]:5000" too. */
export function splitHostPort(hostPort: string): { host: string; port: string } {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(hostPort);
  const host = m?.[1] || hostPort;
  return { host, port: m?.[2] ?? '80' };
}

let cached: DockerEnvStatus | undefined;

/** The environment, probed once per test file (worker); undefined when anything is missing. */
export function dockerEnvStatus(): DockerEnvStatus {
  cached ??= resolveDockerEnv(process.env, systemProbe, defaultDocker());
  return cached;
}

export function dockerEnv(): DockerEnv | undefined {
  const status = dockerEnvStatus();
  return status.ok ? status.env : undefined;
}

/** Forget the cached probe (tests of this helper). */
export function resetDockerEnvCache(): void {
  cached = undefined;
}

export type DockerSuitePlan =
  | { mode: 'run'; env: DockerEnv }
  | { mode: 'skip'; message: string }
  | { mode: 'fail'; message: string };

/** Run, skip (developer machine) or fail (CI=true) — never a silent skip under CI. */
export function planDockerSuite(status: DockerEnvStatus, ci: string | undefined): DockerSuitePlan {
  return planSuite(status, ci);
}

function planSuite<T>(status: { ok: true; env: T } | { ok: false; reason: string }, ci: string | undefined): { mode: 'run'; env: T } | { mode: 'skip' | 'fail'; message: string } {
  if (status.ok) return { mode: 'run', env: status.env };
  if (ci === 'true' || ci === '1') {
    return { mode: 'fail', message: `${status.reason} [CI=${ci}: a missing test environment is an error, not a skip]` };
  }
  return { mode: 'skip', message: status.reason };
}

/** Default per-test timeout inside docker suites (builds and pushes are slow); tests may override. */
export const DOCKER_TEST_TIMEOUT_MS = 120_000;

/**
 * A vitest `describe` for tests that need the real Docker environment. `fn` receives the
 * environment and declares the tests as usual (it is only called when the environment exists).
 */
export function dockerSuite(name: string, fn: (env: DockerEnv) => void): void {
  suiteNeeding(name, dockerEnvStatus(), fn);
}

/** A `describe` that runs with what it needs, skips without it, and fails without it under CI. */
export function suiteNeeding<T>(name: string, status: { ok: true; env: T } | { ok: false; reason: string }, fn: (env: T) => void): void {
  const plan = planSuite(status, process.env.CI);
  switch (plan.mode) {
    case 'run':
      describe(name, { timeout: DOCKER_TEST_TIMEOUT_MS }, () => fn(plan.env));
      return;
    case 'skip':
      describe(name, () => {
        it.skip(`skipped: ${plan.message}`, () => {});
      });
      return;
    case 'fail':
      describe(name, () => {
        it('has the test environment it needs', () => {
          throw new Error(plan.message);
        });
      });
      return;
  }
}
