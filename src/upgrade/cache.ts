/**
 * Where Shovel keeps the create-shovel packages it has obtained, and which versions it knows:
 * the installed one and every one in the cache. Nothing here touches the network.
 *
 * Layout of the cache: `create-shovel-<version>.tgz` (what `npm pack` writes) and, once
 * unpacked and ready to run, `create-shovel-<version>/` beside it.
 */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { selfPackage } from '../util/self.js';
import { sortVersions } from './version-order.js';

export const PACKAGE_NAME = 'create-shovel';

/** SHOVEL_CACHE_DIR, else $XDG_CACHE_HOME/shovel, else ~/.cache/shovel. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHOVEL_CACHE_DIR) return path.resolve(env.SHOVEL_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'shovel');
}

export function tarballPath(dir: string, version: string): string {
  return path.join(dir, `${PACKAGE_NAME}-${version}.tgz`);
}

export function unpackedPath(dir: string, version: string): string {
  return path.join(dir, `${PACKAGE_NAME}-${version}`);
}

const CACHED = new RegExp(`^${PACKAGE_NAME}-(.+?)(\\.tgz)?$`);

/** Versions in the cache, oldest first. */
export async function cachedVersions(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return sortVersions(names.map((n) => CACHED.exec(n)?.[1]).filter((v): v is string => Boolean(v)));
}

/** Every version this machine can render without the network, oldest first. */
export async function knownVersions(dir: string = cacheDir()): Promise<string[]> {
  return sortVersions([selfPackage().version, ...(await cachedVersions(dir))]);
}
