/**
 * The three-way merge: git's own machinery (`git merge-tree --write-tree`, the ort strategy,
 * with rename detection) on three trees: the old render (base), the service as committed
 * (yours) and the new render (template). The result is a tree; nothing in the working tree,
 * the index or any branch changes here.
 */
import { StepError } from '../errors.js';
import { run } from '../util/exec.js';
import { commitObject, git, STEP } from './git-trees.js';

export interface StageEntry {
  mode: string;
  oid: string;
}

export interface ConflictedPath {
  path: string;
  /** Stage 1: the old render; 2: yours; 3: the new render (absent where that side has no file). */
  stages: Partial<Record<1 | 2 | 3, StageEntry>>;
}

export interface MergeResult {
  tree: string;
  conflicts: ConflictedPath[];
  /** git's informational lines (CONFLICT (content): ..., Auto-merging ...). */
  messages: string[];
}

/** Labels on conflict markers: `<<<<<<< yours` and `>>>>>>> create-shovel@<version>`. */
export interface MergeLabels {
  yours: string;
  template: string;
}

export function parseMergeTree(output: string): MergeResult {
  const fields = output.split('\0');
  const tree = fields.shift() ?? '';
  const byPath = new Map<string, ConflictedPath>();
  let field: string | undefined;
  while ((field = fields.shift()) !== undefined && field !== '') {
    const match = /^(\d+) ([0-9a-f]+) ([123])\t(.*)$/s.exec(field);
    if (!match) continue;
    const [, mode, oid, stage, file] = match as unknown as [string, string, string, '1' | '2' | '3', string];
    const entry = byPath.get(file) ?? { path: file, stages: {} };
    entry.stages[Number(stage) as 1 | 2 | 3] = { mode, oid };
    byPath.set(file, entry);
  }
  // Then: <number of paths> NUL <path>... NUL <conflict type> NUL <message> NUL, repeated.
  const messages: string[] = [];
  while (fields.length > 0) {
    const count = Number(fields.shift());
    if (!Number.isInteger(count) || count < 0) break;
    fields.splice(0, count);
    fields.shift();
    const message = fields.shift();
    if (message) messages.push(message.trim());
  }
  return { tree, conflicts: [...byPath.values()], messages };
}

/**
 * Merge `template` into `yours` over `base` (all trees). The commits are made only for the
 * merge to see the common ancestor; the refs naming them live for the merge alone.
 */
export async function mergeTrees(repo: string, trees: { base: string; yours: string; template: string }, labels: MergeLabels): Promise<MergeResult> {
  const base = await commitObject(repo, trees.base, 'template render (base)');
  const yours = await commitObject(repo, trees.yours, 'service (yours)', [base]);
  const template = await commitObject(repo, trees.template, 'template render (new)', [base]);
  // `git merge-tree` labels conflict markers with the names it is given: short refs give
  // readable labels (refs/<name> is the first place git looks a name up).
  const refs = [
    [`refs/${labels.yours}`, yours],
    [`refs/${labels.template}`, template],
  ] as const;
  for (const [ref, oid] of refs) await git(repo, ['update-ref', '--no-deref', ref, oid]);
  try {
    const result = await run('git', ['merge-tree', '--write-tree', '-z', labels.yours, labels.template], { cwd: repo });
    // 0: clean, 1: conflicts; anything else is git failing.
    if (result.exitCode !== 0 && result.exitCode !== 1) {
      throw new StepError('SHOVEL_ERR_MERGE', STEP, 'git merge-tree failed.', {
        command: result.command,
        outputTail: result.all,
        hint: 'shovel upgrade needs git 2.38 or newer (git merge-tree --write-tree).',
      });
    }
    return parseMergeTree(result.stdout);
  } finally {
    for (const [ref] of refs) await git(repo, ['update-ref', '-d', ref]).catch(() => undefined);
  }
}
