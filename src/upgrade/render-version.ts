/**
 * Renders a service with a given create-shovel version: that version's own bin, renderer and
 * templates, fed the recorded answers (`create-shovel --answers`). Upgrade stays independent
 * of how any version renders; inputs the version has and the record lacks take their defaults
 * unless given as input flags.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { AnswersRecord } from '../scaffold/files.js';
import { failure, run } from '../util/exec.js';
import { ANSWERS_RECORD } from './record.js';
import { createBinOf, type TemplatePackage } from './obtain.js';

/** Render into `outDir` (it must not exist yet); returns the answers record the render wrote. */
export async function renderVersion(
  pkg: TemplatePackage,
  record: AnswersRecord,
  outDir: string,
  options: { inputs?: readonly string[]; signal?: AbortSignal } = {},
): Promise<AnswersRecord> {
  const step = `Render the template of create-shovel ${pkg.version}`;
  const answersFile = `${outDir}.answers.json`;
  await writeFile(answersFile, `${JSON.stringify(record, null, 2)}\n`);
  const result = await run(
    process.execPath,
    [await createBinOf(pkg, step), outDir, '--answers', answersFile, ...(options.inputs ?? []), '--yes', '--no-git', '--no-install'],
    { cwd: path.dirname(outDir), env: { CI: 'true', NO_COLOR: '1' }, ...(options.signal ? { signal: options.signal } : {}) },
  );
  // Exit 2: the version refused an input (a flag given after --, or a recorded answer its rules no longer accept).
  if (result.exitCode === 2) {
    const lines = result.stderr.split('\n');
    const said = (lines.find((l) => l.trim()) ?? result.all).replace(/^✖\s*/, '').replace(/\s*\[[A-Z_]+\]$/, '');
    throw new UsageError('SHOVEL_ERR_INPUT_INVALID', `create-shovel ${pkg.version} refused the inputs: ${said}`, {
      details: lines.flatMap((l) => /^\s+- (.*)$/.exec(l)?.[1] ?? []).slice(0, 20),
      hint: 'Fix the input flag after --, or the answer in .shovel/answers.json, and run again.',
    });
  }
  if (!result.ok) throw failure(result, step);
  return JSON.parse(await readFile(path.join(outDir, ANSWERS_RECORD), 'utf8')) as AnswersRecord;
}
