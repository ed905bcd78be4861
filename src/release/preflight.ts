/**
 * Checks that cost seconds and save minutes: everything that can make a release fail AFTER
 * the build is checked before it (config, clean tree, docker engine, registry + credentials,
 * Marathon version).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StepError, UsageError } from '../errors.js';
import type { ShovelConfig } from '../config/schema.js';
import { docker } from '../docker/exec.js';
import type { GitState } from './git.js';

export interface PackageFacts {
  version: string;
  description?: string;
}

export async function readPackageFacts(cwd: string): Promise<PackageFacts> {
  const file = path.join(cwd, 'package.json');
  let pkg: { version?: unknown; description?: unknown };
  try {
    pkg = JSON.parse(await readFile(file, 'utf8')) as typeof pkg;
  } catch (error) {
    throw new UsageError('SHOVEL_ERR_PACKAGE_JSON', `Cannot read the version from ${file}: ${(error as Error).message}`, {
      hint: 'The image tag starts with the package.json version.',
    });
  }
  if (typeof pkg.version !== 'string' || pkg.version === '') {
    throw new UsageError('SHOVEL_ERR_PACKAGE_JSON', `${file} has no "version".`, { hint: 'The image tag starts with the package.json version.' });
  }
  return { version: pkg.version, ...(typeof pkg.description === 'string' ? { description: pkg.description } : {}) };
}

export function requireCleanTree(state: GitState): void {
  if (!state.dirty) return;
  const shown = state.changes.slice(0, 10);
  if (state.changes.length > shown.length) shown.push(`... and ${state.changes.length - shown.length} more`);
  throw new StepError('SHOVEL_ERR_DIRTY_TREE', 'Preflight', 'The working tree has uncommitted changes: the image would not match any commit.', {
    details: shown,
    hint: 'Commit or stash them, or pass --allow-dirty (the image tag then ends in -dirty.<timestamp>).',
  });
}

/** The engine's version; fails with a clear message when the daemon is not there. */
export async function checkDockerEngine(signal?: AbortSignal): Promise<string> {
  const result = await docker(['version', '--format', '{{.Server.Version}}'], {
    step: 'Preflight',
    ...(signal ? { signal } : {}),
    errorCode: 'SHOVEL_ERR_DOCKER_DOWN',
    errorMessage: 'The Docker engine is not reachable.',
    hint: 'Start Docker (or set DOCKER_HOST), then run the release again.',
  });
  return result.stdout.trim();
}

export type TargetName = 'docker' | 'marathon';

/** --target wins; otherwise a configured Marathon URL means Marathon, none means the local engine. */
export function chooseTarget(config: ShovelConfig, requested?: TargetName): TargetName {
  const target = requested ?? (config.marathon.url ? 'marathon' : 'docker');
  if (target === 'marathon' && !config.marathon.url) {
    throw new UsageError('SHOVEL_ERR_NO_MARATHON_URL', '--target marathon needs marathon.url in shovel.yml.', {
      hint: 'Set marathon.url, or release to the local engine with --target docker.',
    });
  }
  return target;
}
