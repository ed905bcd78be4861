/**
 * Installs the new service's dependencies from the pinned lockfile (versions/service), so
 * that the tree it gets is the tree this project's CI installed, built and tested. `npm ci`
 * is also the proof: it refuses a lockfile that does not match package.json, and a failure
 * names the package and npm's reason.
 */
import { StepError } from '../errors.js';
import { npmErrorLines } from '../util/output-cause.js';
import { run } from '../util/exec.js';

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

/** Which package manager ran create-shovel (`npm create`, `pnpm create` and `yarn create` set it). */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent ?? ''): PackageManager {
  const name = userAgent.split('/')[0];
  return name === 'pnpm' || name === 'yarn' ? name : 'npm';
}

export const INSTALL_STEP = 'Install dependencies (npm ci)';
/**
 * --prefer-offline: a package in npm's cache is taken from it without asking the registry
 * whether it is still current. The lockfile pins every package by version and integrity, so
 * the cached copy is the one it names (npm checks the integrity either way); a package not
 * in the cache is fetched. It took 7.6-8.2 s against 11.0-11.6 s without it (warm cache).
 */
export const INSTALL_COMMAND: readonly [string, readonly string[]] = ['npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund']];

/** Why the install is npm's even when another package manager ran create-shovel. */
export function installNote(pm: PackageManager): string | undefined {
  if (pm === 'npm') return undefined;
  return `install: with npm ci, not ${pm}: the pinned tree is an npm lockfile (package-lock.json); \`${pm} import\` converts it if you switch`;
}

export async function install(dir: string, signal?: AbortSignal): Promise<void> {
  const [file, args] = INSTALL_COMMAND;
  const result = await run(file, args, { cwd: dir, ...(signal ? { signal } : {}) });
  if (result.ok) return;
  const cause = npmErrorLines(result.all);
  const missing = cause.map((l) => /Missing: (\S+) from lock file/.exec(l)?.[1]).filter(Boolean);
  throw new StepError(
    'SHOVEL_ERR_INSTALL',
    INSTALL_STEP,
    missing.length > 0
      ? `npm ci refused the pinned lockfile: ${missing.join(', ')} missing from it.`
      : result.missing
        ? 'npm is not installed or not on PATH.'
        : `npm ci of the pinned tree failed (exit code ${String(result.exitCode ?? '?')}).`,
    {
      command: result.command,
      outputTail: cause.length > 0 ? cause.join('\n') : result.all,
      hint: 'The lockfile comes from versions/service/package-lock.json; `npm run template:lock` in a Shovel clone refreshes it.',
    },
  );
}
