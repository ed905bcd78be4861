/**
 * git init and the first commit. A missing git identity never fails the run: the commit is
 * made with a clearly named fallback identity, and the user is told how to fix it.
 */
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

/** True when `dir` is inside an existing git work tree (then Shovel does not nest a repo). */
export async function insideWorkTree(dir: string): Promise<boolean> {
  return (await gitOutput(dir, ['rev-parse', '--is-inside-work-tree'])) === 'true';
}

export interface GitResult {
  commit: string;
  usedFallbackIdentity: boolean;
}

export async function initAndCommit(dir: string, signal?: AbortSignal): Promise<GitResult> {
  const step = 'git init and first commit';
  await exec(step, 'git', ['init', '--quiet', '--initial-branch=main'], { cwd: dir, signal });
  await exec(step, 'git', ['add', '--all'], { cwd: dir, signal });
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
  await exec(step, 'git', ['commit', '--quiet', '--no-verify', '-m', INITIAL_COMMIT_MESSAGE], { cwd: dir, env, signal });
  const commit = (await gitOutput(dir, ['rev-parse', 'HEAD'])) ?? '';
  return { commit, usedFallbackIdentity };
}
