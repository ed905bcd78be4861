/**
 * The release record: one JSON object describing a release (or rollback), printed by --json,
 * kept in git and in a local log.
 *
 * Where records are kept, and why:
 * - an annotated git tag `release/<image tag>` on the released commit, its message the record:
 *   it travels with the code when the user pushes tags, and `git show` reads it. Shovel never
 *   pushes it (pushing to a remote is the user's decision);
 * - one JSON line per release or rollback in `.shovel/releases.log`, next to shovel.yml.
 *   `.shovel/` carries its own `.gitignore` ("*"), so the log never dirties the working tree
 *   (a tracked log would make the NEXT release fail the clean-tree check) and the user's
 *   .gitignore is not edited. `shovel rollback` on the docker target reads it.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isShovelError, StepError } from '../errors.js';
import type { StepRecord } from '../ui/progress.js';

export type Target = 'docker' | 'marathon';

export interface ReleaseRecord {
  schemaVersion: 1;
  kind: 'release' | 'rollback';
  /** healthy: the new version serves and is healthy (exit 0). Nothing else is success. */
  outcome: 'healthy' | 'failed' | 'dry-run';
  service: string;
  appId: string;
  target: Target;
  image: { repository: string; tag: string; ref: string; digest?: string };
  git?: { sha: string; dirty: boolean };
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  steps: StepRecord[];
  /** Where the service now answers (public URL on Marathon with publicHost; local URL on docker). */
  url?: string;
  docker?: {
    /** Instance 0. */
    container: string;
    /** Every instance's container, instance 0 first. */
    containers: string[];
    containerId?: string;
    port: number;
    metricsPort: number;
    /** Containers of earlier versions that were stopped once the new one was healthy. */
    stopped: string[];
  };
  marathon?: {
    url: string;
    version?: string;
    dialect?: string;
    deploymentId?: string;
    appVersion?: string;
    /**
     * How "healthy" was decided. 'tasks': every task of the app ran this version and passed
     * its health checks, at the instance count asked for. Records without it were written by
     * a gate that trusted app-wide counts and are not taken for healthy (see trustedHealthy).
     */
    healthGate?: 'tasks';
    /** The rendered definition (dry-run only). */
    definition?: Record<string, unknown>;
  };
  /** --dry-run: what would happen, one line a step. */
  plan?: string[];
  /** The commands the release ran (so far: the image build), as the dry run prints them. */
  commands?: string[];
  error?: { code: string; step?: string; message: string };
}

export const LOG_DIR = '.shovel';
export const LOG_FILE = 'releases.log';

export function logPath(serviceDir: string): string {
  return path.join(serviceDir, LOG_DIR, LOG_FILE);
}

export async function appendReleaseLog(serviceDir: string, record: ReleaseRecord): Promise<string> {
  const dir = path.join(serviceDir, LOG_DIR);
  await mkdir(dir, { recursive: true });
  // "*" ignores the directory's own contents, .gitignore included: nothing here is ever committed.
  await writeFile(path.join(dir, '.gitignore'), '# Written by shovel: local release log, never committed.\n*\n', { flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  const file = logPath(serviceDir);
  await appendFile(file, `${JSON.stringify(record)}\n`);
  return file;
}

/** Every readable record of the log, oldest first; a damaged line is skipped, not fatal. */
export async function readReleaseLog(serviceDir: string): Promise<ReleaseRecord[]> {
  let text: string;
  try {
    text = await readFile(logPath(serviceDir), 'utf8');
  } catch {
    return [];
  }
  const out: ReleaseRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as ReleaseRecord);
    } catch {
      // a line cut short by a crash: ignore it
    }
  }
  return out;
}

/**
 * Whether a record proves a healthy release: outcome healthy and, on Marathon, decided task by
 * task. `shovel rollback` only goes back to such releases.
 */
export function trustedHealthy(record: ReleaseRecord): boolean {
  if (record.outcome !== 'healthy') return false;
  if (record.target === 'marathon') return record.marathon?.healthGate === 'tasks' && Boolean(record.marathon.appVersion);
  return true;
}

export function gitTagName(imageTag: string): string {
  return `release/${imageTag}`;
}

/** A record for a release or rollback just starting; steps and timings are filled in later. */
export function startRecord(kind: ReleaseRecord['kind'], target: Target, startedAt: Date): ReleaseRecord {
  return {
    schemaVersion: 1,
    kind,
    outcome: 'failed',
    service: '',
    appId: '',
    target,
    image: { repository: '', tag: '', ref: '' },
    startedAt: startedAt.toISOString(),
    steps: [],
  };
}

/** Closes a record: when it ended, how long it took, and the steps it ran. */
export function finishRecord(record: ReleaseRecord, startedAt: Date, steps: StepRecord[]): void {
  record.finishedAt = new Date().toISOString();
  record.durationMs = Date.now() - startedAt.getTime();
  record.steps = steps;
}

/** Marks a record failed by `error` (already redacted): its code, the step it broke, its message. */
export function failRecord(record: ReleaseRecord, error: unknown): void {
  record.outcome = 'failed';
  record.error = {
    code: isShovelError(error) ? error.code : 'SHOVEL_ERR_UNEXPECTED',
    ...(error instanceof StepError && error.step ? { step: error.step } : {}),
    message: error instanceof Error ? error.message : String(error),
  };
}

/** --json: the record as one JSON line on stdout (human output stays on stderr). */
export function printRecord(record: ReleaseRecord, options: { json?: boolean | undefined; stdout?: NodeJS.WritableStream | undefined }): void {
  if (options.json) (options.stdout ?? process.stdout).write(`${JSON.stringify(record)}\n`);
}
