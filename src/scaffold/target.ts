/**
 * The target directory, written atomically: everything is built in a temporary directory
 * beside the target and renamed into place at the end, so a failure, Ctrl-C or even SIGKILL
 * at any point leaves either no target or the complete one. A temporary directory left by a
 * killed run is removed by the next run in the same place.
 *
 * Looking and renaming use synchronous calls (each is one quick system call, cheaper than a
 * round trip through the thread pool); removing a tree, which may hold node_modules, does not.
 */
// fs.promises is read where a tree is removed: node:fs/promises loads on first use, and most
// runs remove nothing.
import { lstatSync, promises as fsp, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

const TMP_PREFIX = '.shovel-tmp-';
const OLD_PREFIX = '.shovel-old-';

export interface Target {
  dir: string;
  exists: boolean;
  /** Entries in the way (empty when the directory is absent or empty). */
  entries: string[];
}

export async function inspectTarget(dir: string): Promise<Target> {
  let info;
  try {
    info = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { dir, exists: false, entries: [] };
    throw error;
  }
  if (!info.isDirectory()) {
    throw new UsageError('SHOVEL_ERR_TARGET_NOT_DIR', `target ${dir} exists and is not a directory`, {
      hint: 'choose another directory; nothing was written',
    });
  }
  return { dir, exists: true, entries: readdirSync(dir).sort() };
}

/** Refuse a non-empty target unless --force; list what is in the way. */
export function assertWritable(target: Target, force: boolean): void {
  if (target.entries.length === 0 || force) return;
  const shown = target.entries.slice(0, 10);
  const more = target.entries.length - shown.length;
  throw new UsageError('SHOVEL_ERR_TARGET_NOT_EMPTY', `target directory ${target.dir} is not empty`, {
    details: [...shown, ...(more > 0 ? [`... and ${more} more`] : [])],
    hint: 'choose another directory, or pass --force to replace its contents (its .git is kept)',
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove temporary directories left by killed runs. Only .shovel-tmp-* (a tree being built)
 * is removed; .shovel-old-* holds a user's previous tree and is never deleted here.
 */
export async function removeStaleTemporaries(parent: string): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = new RegExp(`^${TMP_PREFIX}(\\d+)-`).exec(name);
    if (!match || pidAlive(Number(match[1]))) continue;
    await fsp.rm(path.join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * A fresh temporary path beside the target (same file system, so rename is atomic). The
 * suffix only keeps two paths of one process apart, so Math.random does: node:crypto would
 * cost every run its load time.
 */
export function temporaryBeside(dir: string, prefix = TMP_PREFIX): string {
  const suffix = Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return path.join(path.dirname(dir), `${prefix}${process.pid}-${path.basename(dir)}-${suffix}`);
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Put the built tree in place. An absent or empty target is replaced by one rename. A
 * non-empty one (--force) is renamed aside first; its .git moves into the new tree and the
 * rest is removed only once the new tree is in place. A run killed mid-way leaves the old
 * tree under .shovel-old-*, which is never deleted automatically.
 */
export async function swapIntoPlace(built: string, target: Target): Promise<{ keptGit: boolean }> {
  if (!target.exists || !exists(target.dir) || readdirSync(target.dir).length === 0) {
    renameSync(built, target.dir);
    return { keptGit: false };
  }
  const aside = temporaryBeside(target.dir, OLD_PREFIX);
  renameSync(target.dir, aside);
  try {
    renameSync(built, target.dir);
  } catch (error) {
    renameSync(aside, target.dir);
    throw error;
  }
  let keptGit = false;
  if (exists(path.join(aside, '.git'))) {
    await fsp.rm(path.join(target.dir, '.git'), { recursive: true, force: true });
    renameSync(path.join(aside, '.git'), path.join(target.dir, '.git'));
    keptGit = true;
  }
  await fsp.rm(aside, { recursive: true, force: true });
  return { keptGit };
}
