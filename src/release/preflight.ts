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
import { run } from '../util/exec.js';

export interface VersionFacts {
  version: string;
  /** Where the version came from, in the order they are tried. */
  source: '--version' | 'shovel.yml' | 'package.json' | 'git describe';
  /** package.json description, when there is one. */
  description?: string;
}

/**
 * The release version: `--version`, else `version` of shovel.yml, else package.json's
 * `version`, else `git describe --tags --always`. A repository without package.json releases.
 */
export async function readVersionFacts(cwd: string, given: { override?: string | undefined; configured?: string | undefined } = {}): Promise<VersionFacts> {
  const pkg = await readPackageJson(cwd);
  const description = typeof pkg?.description === 'string' ? { description: pkg.description } : {};
  if (given.override) return { version: given.override, source: '--version', ...description };
  if (given.configured) return { version: given.configured, source: 'shovel.yml', ...description };
  if (pkg && typeof pkg.version === 'string' && pkg.version !== '') return { version: pkg.version, source: 'package.json', ...description };
  const described = await run('git', ['describe', '--tags', '--always'], { cwd });
  const version = String(described.stdout).trim();
  if (!described.ok || version === '') {
    throw new UsageError('SHOVEL_ERR_VERSION', 'No release version: shovel.yml and package.json have none, and git describe found no commit.', {
      hint: 'Set version in shovel.yml, pass --version VERSION, or commit first (git describe --tags --always names the commit).',
    });
  }
  return { version, source: 'git describe', ...description };
}

/** package.json, or undefined when the repository has none; unreadable JSON is an error. */
async function readPackageJson(cwd: string): Promise<{ version?: unknown; description?: unknown } | undefined> {
  const file = path.join(cwd, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError('SHOVEL_ERR_PACKAGE_JSON', `Cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as { version?: unknown; description?: unknown };
  } catch (error) {
    throw new UsageError('SHOVEL_ERR_PACKAGE_JSON', `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

export function requireCleanTree(state: GitState): void {
  if (!state.dirty) return;
  const shown = state.changes.slice(0, 10);
  if (state.changes.length > shown.length) shown.push(`... and ${state.changes.length - shown.length} more`);
  throw new StepError('SHOVEL_ERR_DIRTY_TREE', 'The working tree has uncommitted changes: the image would not match any commit.', {
    details: shown,
    hint: 'Commit or stash them, or pass --allow-dirty (the image tag then ends in -dirty.<timestamp>).',
  });
}

/** The engine's version; fails with a clear message when the daemon is not there. */
export async function checkDockerEngine(signal?: AbortSignal): Promise<string> {
  const result = await docker(['version', '--format', '{{.Server.Version}}'], {
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
