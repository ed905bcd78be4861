/**
 * `shovel upgrade`: bring a service to a newer template version without losing a local
 * change. Render the recorded version and the target one with the recorded answers, run the
 * target's migrations between them, merge the new render into the service over the old one
 * (git's three-way merge), then put the result into the working tree with the conflicts
 * marked inline, the answers record and the lockfile updated. Nothing is committed.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../errors.js';
import type { AnswersRecord } from '../scaffold/files.js';
import { applyMerge, classifyConflicts } from './apply.js';
import { cacheDir, knownVersions } from './cache.js';
import { exportTree, git, graftTree, requireCleanRepository, treeOfDirectory } from './git-trees.js';
import { LOCKFILE, reconcileLockfile } from './lockfile.js';
import { askNewInputs, keysOfFlags } from './ask-inputs.js';
import { inputFlags } from './input-flags.js';
import { mergeTrees } from './merge.js';
import { loadMigrations, pendingMigrations } from './migrations.js';
import { obtainTemplate, type TemplatePackage } from './obtain.js';
import { ANSWERS_RECORD, readAnswersRecord } from './record.js';
import { renderVersion } from './render-version.js';
import { compareVersions, isVersion } from './version-order.js';

export interface UpgradeOptions {
  cwd: string;
  /** Target version; default: the newest known (installed or cached). */
  to?: string;
  dryRun?: boolean;
  /** Input flags for the new render (values for new inputs, or changed answers). */
  inputs?: readonly string[];
  /** A terminal is there to ask for new inputs (else they take their defaults). */
  interactive?: boolean;
  cache?: string;
  signal?: AbortSignal;
}

export interface UpgradeResult {
  service: string;
  from: string;
  to: string;
  outcome: 'current' | 'merged' | 'conflicts' | 'planned';
  /** `git diff --name-status` lines between HEAD and the merged tree. */
  changes: string[];
  /** Files with conflict markers (unmerged in the index); planned ones under --dry-run. */
  conflicts: string[];
  keptDeleted: string[];
  keptYours: string[];
  migrations: string[];
  /** Inputs the target version has and the record had not, with the value they got. */
  newInputs: Record<string, unknown>;
  /** Answers that changed (input flags): key -> [old, new]. */
  changedAnswers: Record<string, [unknown, unknown]>;
  lockfile?: 'template' | 'merged' | 'conflict';
  /** --dry-run: the diff the upgrade would apply (conflicts show their markers). */
  diff?: string;
  sources: { from: TemplatePackage['source']; to: TemplatePackage['source'] };
  durationMs: number;
}

async function chooseTarget(record: AnswersRecord, to: string | undefined, cache: string): Promise<string> {
  if (to !== undefined && !isVersion(to)) throw new UsageError('SHOVEL_ERR_USAGE', `--to must be a version such as 0.2.0 (got "${to}").`);
  const known = await knownVersions(cache);
  const target = to ?? known[known.length - 1]!;
  if (compareVersions(target, record.version) < 0) {
    throw new UsageError('SHOVEL_ERR_DOWNGRADE', `The service is on create-shovel ${record.version}; ${target} is older, and upgrade never goes back.`, {
      hint: 'To undo an upgrade, revert its commit.',
    });
  }
  return target;
}

export async function upgrade(options: UpgradeOptions): Promise<UpgradeResult> {
  const started = performance.now();
  const repo = options.cwd;
  const cache = options.cache ?? cacheDir();
  const signal = options.signal;
  const inputs = inputFlags(options.inputs ?? []);
  const record = await readAnswersRecord(repo);
  const target = await chooseTarget(record, options.to, cache);
  const { gitDir, top, prefix } = await requireCleanRepository(repo);
  const result: UpgradeResult = {
    service: String(record.answers.name ?? path.basename(repo)),
    from: record.version,
    to: target,
    outcome: 'current',
    changes: [],
    conflicts: [],
    keptDeleted: [],
    keptYours: [],
    migrations: [],
    newInputs: {},
    changedAnswers: {},
    sources: { from: 'installed', to: 'installed' },
    durationMs: 0,
  };
  // The same version again only re-renders when answers change.
  if (target === record.version && inputs.length === 0) {
    result.durationMs = Math.round(performance.now() - started);
    return result;
  }

  const work = await mkdtemp(path.join(os.tmpdir(), 'shovel-upgrade-'));
  try {
    // One after the other: a failure names the first version missing, not whichever lost a race.
    const oldPkg = await obtainTemplate(record.version, { cache, signal });
    const newPkg = await obtainTemplate(target, { cache, signal });
    result.sources = { from: oldPkg.source, to: newPkg.source };
    const baseDir = path.join(work, 'base', result.service);
    const newDir = path.join(work, 'new', result.service);
    await Promise.all([mkdir(path.dirname(baseDir)), mkdir(path.dirname(newDir))]);
    // Both renders finish before anything is reported or removed, failed or not.
    const renders = await Promise.allSettled([
      renderVersion(oldPkg, record, baseDir, { signal }),
      renderVersion(newPkg, record, newDir, { inputs, signal }),
    ]);
    for (const r of renders) if (r.status === 'rejected') throw r.reason;
    let newRecord = (renders[1] as PromiseFulfilledResult<AnswersRecord>).value;
    const before = record.answers as unknown as Record<string, unknown>;
    const added = Object.keys(newRecord.answers).filter((k) => !(k in before) && !keysOfFlags(inputs).includes(k));
    if (options.interactive && newPkg.source === 'installed' && added.length > 0) {
      const asked = await askNewInputs(before, added, signal);
      if (asked.length > 0) {
        await rm(newDir, { recursive: true, force: true });
        newRecord = await renderVersion(newPkg, record, newDir, { inputs: [...inputs, ...asked], signal });
      }
    }
    for (const [key, value] of Object.entries(newRecord.answers)) {
      if (!(key in before)) result.newInputs[key] = value;
      else if (!isDeepStrictEqual(before[key], value)) result.changedAnswers[key] = [before[key], value];
    }

    const migrations = pendingMigrations(await loadMigrations(newPkg.root), record.version, target);
    result.migrations = migrations.map((m) => `${m.version}: ${m.description}`);
    // A service inside a larger repository (a monorepo) merges its own directory only.
    let yoursTree = (await git(repo, ['rev-parse', prefix ? `HEAD:${prefix.replace(/\/$/, '')}` : 'HEAD^{tree}'])).trim();
    if (migrations.length > 0) {
      const yoursDir = path.join(work, 'yours');
      await exportTree(top, yoursTree, yoursDir);
      for (const m of migrations) {
        await m.run({ dir: baseDir, answers: { ...record.answers } });
        await m.run({ dir: yoursDir, answers: { ...record.answers } });
      }
      yoursTree = await treeOfDirectory(gitDir, yoursDir);
    }
    const [baseTree, newTree] = await Promise.all([treeOfDirectory(gitDir, baseDir), treeOfDirectory(gitDir, newDir)]);
    // From the top: git prints the merge's paths relative to the directory it runs in.
    const merge = await mergeTrees(top, { base: baseTree, yours: yoursTree, template: newTree }, { yours: 'yours', template: `create-shovel@${target}` });
    const tree = prefix ? await graftTree(top, 'HEAD', prefix, merge.tree) : merge.tree;
    result.changes = (await git(repo, ['diff-tree', '-r', '--name-status', '--no-renames', '--relative', 'HEAD', tree])).split('\n').filter(Boolean);

    if (options.dryRun) {
      const planned = classifyConflicts(merge);
      Object.assign(result, planned, { outcome: 'planned' as const });
      result.diff = await git(repo, ['diff', '--no-color', '--no-ext-diff', '--relative', 'HEAD', tree]);
      return result;
    }

    const applied = await applyMerge(top, prefix, tree, merge);
    // The record is the new render's: the target version and every answer, new ones included.
    await writeFile(path.join(repo, ANSWERS_RECORD), await readFile(path.join(newDir, ANSWERS_RECORD)));
    await git(repo, ['add', '--', ANSWERS_RECORD]);
    applied.conflicts = applied.conflicts.filter((f) => f !== ANSWERS_RECORD);
    result.lockfile = await reconcileLockfile(repo, newDir, applied.conflicts.includes(LOCKFILE));
    if (result.lockfile === 'template') applied.conflicts = applied.conflicts.filter((f) => f !== LOCKFILE);
    Object.assign(result, applied);
    result.changes = (await git(repo, ['diff', '--cached', '--name-status', '--no-renames', '--relative', 'HEAD'])).split('\n').filter(Boolean);
    result.outcome = applied.conflicts.length > 0 ? 'conflicts' : 'merged';
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
    result.durationMs = Math.round(performance.now() - started);
  }
}
