/**
 * Executes a plan: the whole repository (files, first commit, dependencies) is built in a
 * temporary directory beside the target and renamed into place as the last step, so the
 * target never exists half-made.
 */
// fs.promises, read where it is used: node:fs/promises loads only if a tree is left to remove.
import { existsSync, promises as fsp } from 'node:fs';
import type { Progress } from '../ui/progress.js';
import type { Plan } from './plan.js';
import { initAndCommit, FALLBACK_IDENTITY } from './git.js';
import { install, INSTALL_STEP } from './install.js';
import { swapIntoPlace, type Target } from './target.js';

export interface BuildOptions {
  plan: Plan;
  target: Target;
  /** A path beside the target; created here, removed whatever happens. */
  workDir: string;
  progress: Progress;
  signal: AbortSignal;
}

export async function buildService(options: BuildOptions): Promise<{ notes: string[] }> {
  const { plan, progress, signal, workDir } = options;
  const notes: string[] = [];
  try {
    await progress.step(`Generate ${plan.files.length} files`, async () => {
      const { runActions } = await import('./run-generator.js');
      await runActions(plan.answers, workDir);
    });
    signal.throwIfAborted();
    // Install before the first commit: the service's tests and build are known to work with
    // the tree in the commit. Beside a first release, the caller installs once in place.
    if (plan.install && !plan.installBesideRelease) {
      await progress.step(INSTALL_STEP, () => install(workDir, signal));
    }
    signal.throwIfAborted();
    if (plan.git) {
      const result = await progress.step('git init and first commit', () => initAndCommit(workDir, signal));
      if (result.usedFallbackIdentity) {
        notes.push(
          `git has no user.name/user.email: the first commit was made as "${FALLBACK_IDENTITY.name} <${FALLBACK_IDENTITY.email}>". ` +
            'Set yours with git config --global user.name/user.email (and git commit --amend --reset-author if you like).',
        );
      }
    }
    signal.throwIfAborted();
    const { keptGit } = await swapIntoPlace(workDir, options.target);
    if (keptGit) notes.push('The existing .git of the target directory was kept.');
    return { notes };
  } finally {
    // Gone once renamed into place; what an earlier failure left is removed.
    if (existsSync(workDir)) await fsp.rm(workDir, { recursive: true, force: true });
  }
}
