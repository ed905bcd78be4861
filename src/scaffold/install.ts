/**
 * Installs the new service's dependencies with the package manager that ran create-shovel
 * (`npm create`, `pnpm create`, `yarn create` set npm_config_user_agent).
 */
import { exec } from '../util/exec.js';

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

export function detectPackageManager(userAgent = process.env.npm_config_user_agent ?? ''): PackageManager {
  const name = userAgent.split('/')[0];
  return name === 'pnpm' || name === 'yarn' ? name : 'npm';
}

export function installCommand(pm: PackageManager): [string, string[]] {
  switch (pm) {
    case 'pnpm':
      return ['pnpm', ['install']];
    case 'yarn':
      return ['yarn', ['install']];
    default:
      return ['npm', ['install', '--no-audit', '--no-fund']];
  }
}

export async function install(dir: string, pm: PackageManager, signal?: AbortSignal): Promise<void> {
  const [file, args] = installCommand(pm);
  await exec(`Install dependencies (${pm})`, file, args, { cwd: dir, signal });
}
