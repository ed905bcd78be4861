/**
 * The files of a new service, in memory: the rendered template tree plus the answers record
 * that lets a later Shovel re-render the same service.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Answers } from '../inputs/schema.js';
import { INPUTS } from '../inputs/schema.js';
import { selfPackage, templatesDir } from '../util/self.js';
import { renderTree, type RenderedFile } from './render.js';
import { TEMPLATE_NAME, templateData } from './template-data.js';

/** Where a generated repository keeps the template name, version and every answer. */
export const ANSWERS_RECORD = '.shovel/answers.json';

export interface AnswersRecord {
  template: string;
  version: string;
  answers: Answers;
}

export function answersRecord(answers: Answers): AnswersRecord {
  const ordered = Object.fromEntries(INPUTS.map((i) => [i.key, answers[i.key]])) as unknown as Answers;
  return { template: TEMPLATE_NAME, version: selfPackage().version, answers: ordered };
}

// The plan and the generator's write action both need the files of the same answers; a
// run renders them once.
const rendered = new Map<string, Promise<RenderedFile[]>>();

export function serviceFiles(answers: Answers): Promise<RenderedFile[]> {
  const key = JSON.stringify(answersRecord(answers));
  let files = rendered.get(key);
  if (!files) {
    files = renderServiceFiles(answers);
    rendered.set(key, files);
    files.catch(() => rendered.delete(key));
  }
  return files;
}

async function renderServiceFiles(answers: Answers): Promise<RenderedFile[]> {
  const tree = await renderTree(path.join(templatesDir(), TEMPLATE_NAME), templateData(answers));
  const record: RenderedFile = {
    path: ANSWERS_RECORD,
    contents: Buffer.from(`${JSON.stringify(answersRecord(answers), null, 2)}\n`, 'utf8'),
    mode: 0o644,
  };
  return [...tree.filter((f) => f.path !== ANSWERS_RECORD), record].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * `root` joined with a file's path. The paths of a rendered tree are already clean (no empty,
 * `.` or `..` segment), so they are appended as they are: path.join would normalise every
 * character of every path again, enough calls for V8 to spend an optimising compile on it.
 */
export function joinUnder(root: string): (file: string) => string {
  // The normalised root with one separator after it; path.join drops an empty or `.` root.
  const normalised = path.join(root, path.sep);
  const base = root === '' || normalised === `.${path.sep}` ? '' : normalised;
  return (file) => {
    const segments = file.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..')) return path.join(root, file);
    return base + segments.join(path.sep);
  };
}

/**
 * Writes the files under `root`. The calls are synchronous: a few dozen small files are
 * written sooner one after the other than through the thread pool, where each open, write
 * and close is a round trip of its own.
 */
export async function writeFiles(root: string, files: RenderedFile[]): Promise<void> {
  const join = joinUnder(root);
  const targets = files.map((f) => ({ file: f, full: join(f.path) }));
  const dirs = [...new Set(targets.map((t) => path.dirname(t.full)))];
  // Only the deepest directories need a mkdir: recursive creates their parents.
  const leaves = dirs.filter((d) => !dirs.some((other) => other.startsWith(`${d}${path.sep}`)));
  for (const dir of leaves) mkdirSync(dir, { recursive: true });
  for (const { file: f, full } of targets) {
    const mode = f.mode | 0o600;
    writeFileSync(full, f.contents, { mode });
    // writeFile's mode is filtered by the umask; keep executable bits as the template has them.
    if ((mode & 0o111) !== 0) chmodSync(full, mode);
  }
}
