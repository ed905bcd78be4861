/**
 * Puts a merge result into the service's working tree and index, the way `git merge
 * --no-commit` leaves them: merged changes staged, each conflict unmerged (its three stages in
 * the index, markers inline) so that `git status`, `git diff` and `git mergetool` work as usual.
 * A file you deleted stays deleted; a file you changed and the template dropped stays yours.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { git } from './git-trees.js';
import type { MergeResult } from './merge.js';

export interface Applied {
  /** Paths with conflict markers, unmerged in the index. */
  conflicts: string[];
  /** Deleted in the service, changed by the template: still deleted. */
  keptDeleted: string[];
  /** Changed in the service, removed by the template: your copy is kept. */
  keptYours: string[];
}

/** Sort the merge's conflicted paths into real conflicts and the two cases resolved by rule. */
export function classifyConflicts(merge: MergeResult): Applied {
  const out: Applied = { conflicts: [], keptDeleted: [], keptYours: [] };
  for (const c of merge.conflicts) {
    const { 1: base, 2: yours, 3: template } = c.stages;
    if (base && !yours && template) out.keptDeleted.push(c.path);
    else if (base && yours && !template) out.keptYours.push(c.path);
    else out.conflicts.push(c.path);
  }
  return out;
}

const NO_OBJECT = '0'.repeat(40);

/**
 * `tree` is the whole repository's tree after the merge; the merge's paths are relative to
 * the service, which sits at `prefix` in the work tree at `top`.
 */
export async function applyMerge(top: string, prefix: string, tree: string, merge: MergeResult): Promise<Applied> {
  // Index and working tree equal HEAD (upgrade refuses anything else): a two-tree read-tree is
  // a fast-forward from HEAD to the merged tree, touching only the paths that differ.
  await git(top, ['read-tree', '-u', '-m', 'HEAD', tree]);
  const applied = classifyConflicts(merge);
  for (const file of applied.keptDeleted) {
    await git(top, ['rm', '--quiet', '--cached', '--', `${prefix}${file}`]);
    await rm(path.join(top, prefix, file), { force: true });
  }
  const unmerged = merge.conflicts.filter((c) => applied.conflicts.includes(c.path));
  if (unmerged.length > 0) {
    const records: string[] = [];
    for (const c of unmerged) {
      records.push(`0 ${NO_OBJECT}\t${prefix}${c.path}`);
      for (const stage of [1, 2, 3] as const) {
        const entry = c.stages[stage];
        if (entry) records.push(`${entry.mode} ${entry.oid} ${stage}\t${prefix}${c.path}`);
      }
    }
    await git(top, ['update-index', '-z', '--index-info'], { input: records.map((r) => `${r}\0`).join('') });
  }
  return applied;
}
