/**
 * The git plumbing upgrade works with: the state of the service repository, trees made from
 * plain directories (through a temporary index, so the repository's own index is untouched)
 * and commits that exist only as objects, never on a branch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { exec, run, type RunOptions } from '../util/exec.js';

export const STEP = 'Upgrade';

type GitOptions = Omit<RunOptions, 'step'>;

export async function git(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  return (await exec(STEP, 'git', args, { cwd, ...options })).stdout;
}

/** The repository's HEAD commit; refuses a directory that is not a git work tree with a commit. */
export async function requireCleanRepository(dir: string): Promise<{ head: string; gitDir: string }> {
  const head = await run('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { step: STEP, cwd: dir });
  if (!head.ok) {
    throw new UsageError('SHOVEL_ERR_GIT', head.missing ? 'git is not installed.' : `${dir} is not a git repository with at least one commit.`, {
      hint: 'Upgrade merges through git, so that every change it makes can be reviewed and undone: commit the service first.',
    });
  }
  const status = await git(dir, ['status', '--porcelain', '--untracked-files=normal']);
  const changes = status.split('\n').filter(Boolean);
  if (changes.length > 0) {
    throw new UsageError('SHOVEL_ERR_DIRTY', `${dir} has uncommitted changes; upgrade merges into the working tree and needs it clean.`, {
      details: changes.slice(0, 20),
      hint: 'Commit or stash them, then run shovel upgrade again.',
    });
  }
  const gitDir = (await git(dir, ['rev-parse', '--absolute-git-dir'])).trim();
  return { head: head.stdout.trim(), gitDir };
}

async function withTemporaryIndex<T>(work: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-index-'));
  try {
    return await work({ GIT_INDEX_FILE: path.join(dir, 'index') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The tree of every file under `dir`, written into the repository at `gitDir`; ignore rules do not apply. */
export function treeOfDirectory(gitDir: string, dir: string): Promise<string> {
  return withTemporaryIndex(async (env) => {
    const args = [`--git-dir=${gitDir}`, `--work-tree=${dir}`];
    await git(dir, [...args, 'add', '--all', '--force', '--', '.'], { env });
    return (await git(dir, [...args, 'write-tree'], { env })).trim();
  });
}

/** Write the files of `treeish` into `dir` (which must be empty), leaving the repository's index alone. */
export function exportTree(repo: string, treeish: string, dir: string): Promise<void> {
  return withTemporaryIndex(async (env) => {
    await git(repo, ['read-tree', treeish], { env });
    await git(repo, ['checkout-index', '--all', '--force', `--prefix=${dir}${path.sep}`], { env });
  });
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'shovel upgrade',
  GIT_AUTHOR_EMAIL: 'shovel@localhost',
  GIT_COMMITTER_NAME: 'shovel upgrade',
  GIT_COMMITTER_EMAIL: 'shovel@localhost',
};

/** A commit object for `tree` (on no branch: git gc removes it in time). */
export async function commitObject(repo: string, tree: string, message: string, parents: string[] = []): Promise<string> {
  return (await git(repo, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message], { env: IDENTITY })).trim();
}
