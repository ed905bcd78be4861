/**
 * An unpacked create-shovel package needs its own dependencies to run its bin. When the
 * running Shovel has every one of them installed at the exact pinned version, the unpacked
 * package links to that node_modules (no network, no disk); otherwise npm installs them.
 */
import { readFile, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { exec } from '../util/exec.js';
import { selfPackage } from '../util/self.js';

async function installedVersion(modules: string, name: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(modules, name, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

async function dependenciesOf(pkgDir: string): Promise<Record<string, string>> {
  const pkg = JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return pkg.dependencies ?? {};
}

/** True when `modules` holds every dependency at exactly the version asked for. */
async function satisfies(modules: string, wanted: Record<string, string>): Promise<boolean> {
  const found = await Promise.all(Object.entries(wanted).map(async ([name, spec]) => (await installedVersion(modules, name)) === spec));
  return found.every(Boolean);
}

/** Where the running Shovel's dependencies are: its own node_modules, or the one it sits in. */
function selfModuleDirs(): string[] {
  const root = selfPackage().root;
  const dirs = [path.join(root, 'node_modules')];
  const parent = path.dirname(root);
  if (path.basename(parent) === 'node_modules') dirs.push(parent);
  return dirs;
}

export async function dependenciesReady(pkgDir: string): Promise<boolean> {
  return satisfies(path.join(pkgDir, 'node_modules'), await dependenciesOf(pkgDir));
}

export async function provideDependencies(pkgDir: string, signal?: AbortSignal): Promise<'linked' | 'installed'> {
  const wanted = await dependenciesOf(pkgDir);
  const modules = path.join(pkgDir, 'node_modules');
  for (const dir of selfModuleDirs()) {
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) continue;
    if (!(await satisfies(dir, wanted))) continue;
    await rm(modules, { recursive: true, force: true });
    await symlink(dir, modules, 'junction');
    return 'linked';
  }
  await exec(
    `Install the dependencies of create-shovel in ${pkgDir}`,
    'npm',
    ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline'],
    { cwd: pkgDir, ...(signal ? { signal } : {}) },
  );
  return 'installed';
}
