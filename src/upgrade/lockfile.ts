/**
 * The lockfile after a merge. A line merge of package-lock.json is fragile, so when the merged
 * package.json asks for exactly the dependencies of the new render, the lockfile is the new
 * render's (the template's pinned tree) under the service's own name and version. Otherwise
 * the line merge stands, and a conflict in it is left for `npm install --package-lock-only`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { git } from './git-trees.js';

export const LOCKFILE = 'package-lock.json';
export const MANIFEST = 'package.json';

interface Manifest {
  name?: string;
  version?: string;
  [key: string]: unknown;
}

const DEPENDENCY_KEYS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The new render's lockfile under `name`/`version` (the service's own, e.g. after a release bump). */
export function renamedLockfile(text: string, name: string | undefined, version: string | undefined): string {
  const lock = JSON.parse(text) as { name?: string; version?: string; packages?: Record<string, Manifest> };
  const root = lock.packages?.[''];
  if (lock.name === name && lock.version === version && (!root || (root.name === name && root.version === version))) return text;
  const out = { ...lock, name, version, ...(lock.packages ? { packages: { ...lock.packages, '': { ...root, name, version } } } : {}) };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/**
 * Returns 'template' when the lockfile was taken from the new render, 'merged' when the line
 * merge stands, 'conflict' when it stands with conflicts.
 */
export async function reconcileLockfile(repo: string, rendered: string, conflicted: boolean): Promise<'template' | 'merged' | 'conflict'> {
  const merged = await readJson<Manifest>(path.join(repo, MANIFEST));
  const template = await readJson<Manifest>(path.join(rendered, MANIFEST));
  const lockText = await readFile(path.join(rendered, LOCKFILE), 'utf8').catch(() => undefined);
  const same = merged && template && DEPENDENCY_KEYS.every((k) => isDeepStrictEqual(merged[k], template[k]));
  if (!same || lockText === undefined) return conflicted ? 'conflict' : 'merged';
  await writeFile(path.join(repo, LOCKFILE), renamedLockfile(lockText, merged.name, merged.version));
  await git(repo, ['add', '--', LOCKFILE]);
  return 'template';
}
