/**
 * `shovel fleet`: for each service directory, which template version it is on, how many known
 * versions it is behind, which template files it has edited (against a render of its own
 * version and answers) and its last release (.shovel/releases.log). A directory that is not
 * a service is a row with its error, not the end of the report.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isShovelError, UsageError } from '../errors.js';
import { readReleaseLog } from '../release/record.js';
import { cacheDir, knownVersions } from './cache.js';
import { localEdits, type LocalEdits } from './local-edits.js';
import { obtainTemplate } from './obtain.js';
import { readAnswersRecord } from './record.js';
import { renderVersion } from './render-version.js';
import { compareVersions } from './version-order.js';

export interface LastRelease {
  kind: 'release' | 'rollback';
  outcome: string;
  target: string;
  tag: string;
  at: string;
}

export interface FleetRow {
  dir: string;
  service?: string;
  team?: string;
  template?: string;
  version?: string;
  /** Known versions newer than `version`. */
  behind?: string[];
  /** null: the recorded version could not be obtained to compare against. */
  localEdits?: LocalEdits | null;
  /** Why localEdits is null. */
  localEditsError?: string;
  lastRelease?: LastRelease | null;
  error?: string;
}

export interface FleetReport {
  newest: string;
  known: string[];
  services: FleetRow[];
}

/** Directories listed in a file, one a line; blank lines and # comments skipped; relative to the file. */
export async function readFleetList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError('SHOVEL_ERR_USAGE', `--from: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => path.resolve(path.dirname(file), l));
}

async function lastRelease(dir: string): Promise<LastRelease | null> {
  const record = (await readReleaseLog(dir)).at(-1);
  if (!record) return null;
  return { kind: record.kind, outcome: record.outcome, target: record.target, tag: record.image.tag, at: record.finishedAt ?? record.startedAt };
}

async function row(dir: string, known: string[], cache: string, signal?: AbortSignal): Promise<FleetRow> {
  let record;
  try {
    record = await readAnswersRecord(dir);
  } catch (error) {
    return { dir, error: isShovelError(error) ? error.message : String(error) };
  }
  const out: FleetRow = {
    dir,
    service: String(record.answers.name ?? path.basename(dir)),
    team: String(record.answers.team ?? ''),
    template: record.template,
    version: record.version,
    behind: known.filter((v) => compareVersions(v, record.version) > 0),
    lastRelease: await lastRelease(dir),
  };
  const work = await mkdtemp(path.join(os.tmpdir(), 'shovel-fleet-'));
  try {
    const pkg = await obtainTemplate(record.version, { cache, ...(signal ? { signal } : {}) });
    const rendered = path.join(work, 'render');
    await renderVersion(pkg, record, rendered, signal ? { signal } : {});
    out.localEdits = await localEdits(rendered, dir);
  } catch (error) {
    if (signal?.aborted) throw error;
    out.localEdits = null;
    out.localEditsError = isShovelError(error) ? error.message : String(error);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return out;
}

export async function fleet(options: { dirs: string[]; listFile?: string; cache?: string; signal?: AbortSignal }): Promise<FleetReport> {
  const dirs = [...options.dirs.map((d) => path.resolve(d)), ...(options.listFile ? await readFleetList(path.resolve(options.listFile)) : [])];
  if (dirs.length === 0) {
    throw new UsageError('SHOVEL_ERR_USAGE', 'shovel fleet needs service directories: shovel fleet <dir>... or --from FILE.');
  }
  const cache = options.cache ?? cacheDir();
  const known = await knownVersions(cache);
  const services: FleetRow[] = [];
  // One at a time: each renders a template, and two renders already fill this machine's cores.
  for (const dir of dirs) services.push(await row(dir, known, cache, options.signal));
  return { newest: known[known.length - 1]!, known, services };
}
