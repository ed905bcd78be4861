/**
 * What git says about the service repository: which commit is being released, and whether
 * the working tree holds changes that commit does not (then the image is not the commit).
 */
import { StepError, UsageError } from '../errors.js';
import { run } from '../util/exec.js';

export interface GitState {
  sha: string;
  dirty: boolean;
  /** `git status --porcelain` lines, for the error message. */
  changes: string[];
}

function git(cwd: string, args: string[], input?: string, env?: Record<string, string>) {
  return run('git', args, { cwd, ...(input === undefined ? {} : { input }), ...(env ? { env } : {}) });
}

export async function gitState(cwd: string): Promise<GitState> {
  const head = await git(cwd, ['rev-parse', '--verify', 'HEAD']);
  if (!head.ok) {
    const missing = head.missing;
    throw new UsageError(
      'SHOVEL_ERR_GIT',
      missing ? 'git is not installed.' : `${cwd} is not a git repository with at least one commit.`,
      { hint: 'Shovel tags every image with the commit it was built from: commit first (git init && git commit).' },
    );
  }
  const status = await git(cwd, ['status', '--porcelain', '--untracked-files=normal']);
  if (!status.ok) {
    throw new StepError('SHOVEL_ERR_GIT', 'git status failed.', { command: 'git status --porcelain', outputTail: String(status.all) });
  }
  const changes = String(status.stdout).split('\n').filter(Boolean);
  return { sha: String(head.stdout).trim(), dirty: changes.length > 0, changes };
}

/**
 * An annotated tag whose message is the release record, so `git show release/<tag>` answers
 * "what was released from this commit, when, where, with which digest". It is local: pushing
 * tags is the user's decision. Re-releasing the same image tag moves the tag (-f).
 */
export async function tagRelease(cwd: string, name: string, message: string): Promise<void> {
  // Annotated tags need a tagger identity; CI machines often have none configured. A
  // fallback identity beats failing a release that already went out.
  const email = await git(cwd, ['config', 'user.email']);
  const env: Record<string, string> = {};
  if (!email.ok || !email.stdout.trim()) {
    env.GIT_COMMITTER_NAME = 'shovel';
    env.GIT_COMMITTER_EMAIL = 'shovel@localhost';
  }
  const result = await git(cwd, ['tag', '--force', '--annotate', '--file', '-', name, 'HEAD'], message, env);
  if (!result.ok) {
    throw new StepError('SHOVEL_ERR_GIT_TAG', `Could not create the git tag ${name}.`, {
      command: `git tag --force --annotate ${name} HEAD`,
      outputTail: String(result.all),
    });
  }
}
