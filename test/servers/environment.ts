/**
 * What the third-party server tests need on top of the Docker environment: the Debian packages
 * (.deb files) their images install without any network, one directory per set under
 * SHOVEL_TEST_DEBS (downloaded by `.ci/setup-env.sh`). Missing: the suite is skipped with a
 * message saying so, and fails under CI=true (the rule of test/support/environment.ts).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { dockerEnvStatus, SETUP_HINT, suiteNeeding, type DockerEnv, type DockerEnvStatus } from '../support/environment.js';

export interface ServersEnv extends DockerEnv {
  /** SHOVEL_TEST_DEBS: a directory holding one directory of .deb files per package set. */
  debs: string;
}

export type ServersEnvStatus = { ok: true; env: ServersEnv } | { ok: false; reason: string };

/** The .deb files of one set, or a problem. */
export function debFiles(debs: string, set: string): string[] | string {
  const dir = path.join(debs, set);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    return `${dir} is not readable (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  const files = names.filter((name) => name.endsWith('.deb')).sort();
  return files.length > 0 ? files.map((name) => path.join(dir, name)) : `${dir} holds no .deb file`;
}

/** Decides from the Docker environment, the variables and the deb directory (unit-testable). */
export function resolveServersEnv(docker: DockerEnvStatus, vars: Record<string, string | undefined>, sets: readonly string[]): ServersEnvStatus {
  if (!docker.ok) return docker;
  const debs = vars.SHOVEL_TEST_DEBS;
  if (!debs) {
    return { ok: false, reason: `needs the Debian packages of ${sets.join(', ')}: ${SETUP_HINT} (missing: SHOVEL_TEST_DEBS)` };
  }
  const problems = sets.map((set) => debFiles(debs, set)).filter((r): r is string => typeof r === 'string');
  if (problems.length > 0) {
    return { ok: false, reason: `needs the Debian packages of ${sets.join(', ')}: ${problems.join('; ')}; ${SETUP_HINT}` };
  }
  return { ok: true, env: { ...docker.env, debs } };
}

/** A `describe` that runs with the Docker environment and the named deb sets. */
export function serversSuite(name: string, sets: readonly string[], fn: (env: ServersEnv) => void): void {
  suiteNeeding(name, resolveServersEnv(dockerEnvStatus(), process.env, sets), fn);
}
