/**
 * The git plumbing upgrade works with: the state of the service repository, trees made from
 * plain directories (through a temporary index, so the repository's own index is untouched)
 * and commits that exist only as objects, never on a branch.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { exec, run, type RunOptions } from '../util/exec.js';

export const STEP = 'Upgrade';

type GitOptions = Omit<RunOptions, 'step'>;

export async function git(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  return (await exec(STEP, 'git', args, { cwd, ...options })).stdout;
}

export interface Repository {
  head: string;
  gitDir: string;
  /** The top of the work tree. */
  top: string;
  /** Where the service is inside it: '' at the top, else e.g. `services/orders/`. */
  prefix: string;
}

/** The repository the service is in; refuses a directory that is not in a clean git work tree with a commit. */
export async function requireCleanRepository(dir: string): Promise<Repository> {
  const head = await run('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: dir });
  if (!head.ok) {
    throw new UsageError('SHOVEL_ERR_GIT', head.missing ? 'git is not installed.' : `${dir} is not a git repository with at least one commit.`, {
      hint: 'Upgrade merges through git, so that every change it makes can be reviewed and undone: commit the service first.',
    });
  }
  // The service's own directory: in a larger repository, work elsewhere is not in the way.
  const status = await git(dir, ['status', '--porcelain', '--untracked-files=normal', '--', '.']);
  const changes = status.split('\n').filter(Boolean);
  if (changes.length > 0) {
    throw new UsageError('SHOVEL_ERR_DIRTY', `${dir} has uncommitted changes; upgrade merges into the working tree and needs it clean.`, {
      details: changes.slice(0, 20),
      hint: 'Commit or stash them, then run shovel upgrade again.',
    });
  }
  const [gitDir, top, prefix] = (await git(dir, ['rev-parse', '--absolute-git-dir', '--show-toplevel', '--show-prefix'])).split('\n');
  return { head: head.stdout.trim(), gitDir: gitDir!, top: top!, prefix: prefix ?? '' };
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

/** Write the files of `treeish` into `dir` (new or empty), leaving the repository's index alone. Run from the top of the work tree. */
export function exportTree(top: string, treeish: string, dir: string): Promise<void> {
  return withTemporaryIndex(async (env) => {
    await mkdir(dir, { recursive: true });
    await git(top, ['read-tree', treeish], { env });
    await git(top, ['checkout-index', '--all', '--force', `--prefix=${dir}${path.sep}`], { env });
  });
}

/** `base` (a tree-ish) with the directory at `prefix` replaced by `subtree`: a service's merge put back into its repository. */
export function graftTree(top: string, base: string, prefix: string, subtree: string): Promise<string> {
  return withTemporaryIndex(async (env) => {
    await git(top, ['read-tree', base], { env });
    await git(top, ['rm', '-r', '--cached', '--quiet', '--ignore-unmatch', '--', prefix], { env });
    await git(top, ['read-tree', `--prefix=${prefix}`, subtree], { env });
    return (await git(top, ['write-tree'], { env })).trim();
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
