/**
 * Obtains a create-shovel version, ready to run: the installed package when it is that
 * version; otherwise the package cache (unpacked there once, then used offline); otherwise
 * `npm pack create-shovel@<version>` into the cache, through the user's npm and its config.
 */
import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { StepError } from '../errors.js';
import { exec, failure, run } from '../util/exec.js';
import { selfPackage } from '../util/self.js';
import { cacheDir, PACKAGE_NAME, tarballPath, unpackedPath } from './cache.js';
import { dependenciesReady, provideDependencies } from './dependencies.js';

export interface TemplatePackage {
  version: string;
  /** The package root: bin/, dist/, templates/, versions/. */
  root: string;
  source: 'installed' | 'cache' | 'npm';
}

interface Manifest {
  name?: string;
  version?: string;
  bin?: unknown;
}

/** The package.json at `root`, or why it cannot be read. */
async function manifestAt(root: string): Promise<Manifest | Error> {
  try {
    return JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Manifest;
  } catch (error) {
    return error as Error;
  }
}

async function versionAt(root: string): Promise<string | undefined> {
  const pkg = await manifestAt(root);
  return !(pkg instanceof Error) && pkg.name === PACKAGE_NAME ? pkg.version : undefined;
}

/** The version's create-shovel bin, where its package.json says it is. */
export async function createBinOf(pkg: TemplatePackage, step: string): Promise<string> {
  const manifest = await manifestAt(pkg.root);
  if (manifest instanceof Error) {
    throw new StepError('SHOVEL_ERR_TEMPLATE_UNAVAILABLE', step, `create-shovel ${pkg.version} has no readable package.json in ${pkg.root}: ${manifest.message}`);
  }
  const { bin } = manifest;
  const file = typeof bin === 'object' && bin !== null ? (bin as Record<string, unknown>)[PACKAGE_NAME] : undefined;
  if (typeof file !== 'string') {
    throw new StepError('SHOVEL_ERR_TEMPLATE_UNAVAILABLE', step, `create-shovel ${pkg.version} in ${pkg.root} names no create-shovel bin in its package.json`);
  }
  return path.join(pkg.root, file);
}

const exists = (file: string) => stat(file).then(() => true, () => false);

async function pack(cache: string, version: string, signal?: AbortSignal): Promise<void> {
  const step = `Obtain ${PACKAGE_NAME}@${version}`;
  const result = await run('npm', ['pack', `${PACKAGE_NAME}@${version}`, '--pack-destination', cache, '--silent'], { cwd: cache, ...(signal ? { signal } : {}) });
  if (!result.ok) {
    throw failure(result, step, {
      code: 'SHOVEL_ERR_TEMPLATE_UNAVAILABLE',
      message: `${PACKAGE_NAME}@${version} is not installed, not in the package cache (${cache}), and npm could not fetch it.`,
      hint: `Offline? Put its tarball (npm pack ${PACKAGE_NAME}@${version}) at ${tarballPath(cache, version)}.`,
    });
  }
}

/** Unpack the tarball into a temporary directory beside its final place, then rename it there. */
async function unpack(cache: string, version: string, signal?: AbortSignal): Promise<string> {
  const final = unpackedPath(cache, version);
  const work = await mkdtemp(`${final}.tmp-`);
  try {
    await exec(`Unpack ${PACKAGE_NAME}@${version}`, 'tar', ['-xzf', tarballPath(cache, version), '-C', work], { ...(signal ? { signal } : {}) });
    const root = path.join(work, 'package');
    const found = await versionAt(root);
    if (found !== version) {
      throw new StepError('SHOVEL_ERR_TEMPLATE_UNAVAILABLE', `Unpack ${PACKAGE_NAME}@${version}`, `${tarballPath(cache, version)} holds ${found ? `${PACKAGE_NAME}@${found}` : 'no create-shovel package'}.`, {
        hint: 'Remove it and run again.',
      });
    }
    await rm(final, { recursive: true, force: true });
    await rename(work, final);
    return path.join(final, 'package');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// One obtain per version and cache at a time: two unpacks of the same tarball would race.
const pending = new Map<string, Promise<TemplatePackage>>();

export function obtainTemplate(version: string, options: { cache?: string; signal?: AbortSignal } = {}): Promise<TemplatePackage> {
  const key = `${options.cache ?? cacheDir()}\0${version}`;
  let result = pending.get(key);
  if (!result) {
    result = obtain(version, options).finally(() => pending.delete(key));
    pending.set(key, result);
  }
  return result;
}

async function obtain(version: string, options: { cache?: string; signal?: AbortSignal }): Promise<TemplatePackage> {
  const self = selfPackage();
  if (self.version === version) return { version, root: self.root, source: 'installed' };
  const cache = options.cache ?? cacheDir();
  await mkdir(cache, { recursive: true });
  let root = path.join(unpackedPath(cache, version), 'package');
  let source: TemplatePackage['source'] = 'cache';
  if ((await versionAt(root)) !== version) {
    if (!(await exists(tarballPath(cache, version)))) {
      await pack(cache, version, options.signal);
      source = 'npm';
    }
    root = await unpack(cache, version, options.signal);
  }
  if (!(await dependenciesReady(root))) await provideDependencies(root, options.signal);
  return { version, root, source };
}
