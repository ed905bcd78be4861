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
export const INSTALL_COMMAND: readonly [string, readonly string[]] = ['npm', ['ci', '--no-audit', '--no-fund']];

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
