/**
 * git init and the first commit. A missing git identity never fails the run: the commit is
 * made with a clearly named fallback identity, and the user is told how to fix it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { exec } from '../util/exec.js';

export const FALLBACK_IDENTITY = { name: 'create-shovel', email: 'create-shovel@localhost' };
export const INITIAL_COMMIT_MESSAGE = 'Initial commit from create-shovel';

async function gitOutput(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    return (await exec('git', 'git', args, { cwd })).stdout.trim();
  } catch {
    return undefined;
  }
}

/**
 * True when `dir` is inside an existing git work tree (then Shovel does not nest a repo).
 * `dir` need not exist yet: its nearest existing ancestor decides.
 */
export async function insideWorkTree(dir: string): Promise<boolean> {
  let existing = path.resolve(dir);
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  return (await gitOutput(existing, ['rev-parse', '--is-inside-work-tree'])) === 'true';
}

export const GIT_STEP = 'git init and first commit';

/** The commands of the first commit, in order: the dry run prints these, the run runs them. */
export const GIT_COMMANDS: readonly (readonly [string, readonly string[]])[] = [
  ['git', ['init', '--quiet', '--initial-branch=main']],
  ['git', ['add', '--all']],
  ['git', ['commit', '--quiet', '--no-verify', '-m', INITIAL_COMMIT_MESSAGE]],
];

export interface GitResult {
  commit: string;
  usedFallbackIdentity: boolean;
}

export async function initAndCommit(dir: string, signal?: AbortSignal): Promise<GitResult> {
  const [init, add, commit] = GIT_COMMANDS as [readonly [string, readonly string[]], readonly [string, readonly string[]], readonly [string, readonly string[]]];
  await exec(GIT_STEP, init[0], init[1], { cwd: dir, signal });
  await exec(GIT_STEP, add[0], add[1], { cwd: dir, signal });
  const name = await gitOutput(dir, ['config', 'user.name']);
  const email = await gitOutput(dir, ['config', 'user.email']);
  const usedFallbackIdentity = !name || !email;
  const env = usedFallbackIdentity
    ? {
        GIT_AUTHOR_NAME: name || FALLBACK_IDENTITY.name,
        GIT_AUTHOR_EMAIL: email || FALLBACK_IDENTITY.email,
        GIT_COMMITTER_NAME: name || FALLBACK_IDENTITY.name,
        GIT_COMMITTER_EMAIL: email || FALLBACK_IDENTITY.email,
      }
    : undefined;
  // The identity goes in the environment, not the command: the command is the planned one.
  await exec(GIT_STEP, commit[0], commit[1], { cwd: dir, env, signal });
  const head = (await gitOutput(dir, ['rev-parse', 'HEAD'])) ?? '';
  return { commit: head, usedFallbackIdentity };
}
