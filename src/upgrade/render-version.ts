/**
 * Renders a service with a given create-shovel version: that version's own bin, renderer and
 * templates, fed the recorded answers (`create-shovel --answers`). Upgrade stays independent
 * of how any version renders; inputs the version has and the record lacks take their defaults.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnswersRecord } from '../scaffold/files.js';
import { exec } from '../util/exec.js';
import { ANSWERS_RECORD } from './record.js';
import type { TemplatePackage } from './obtain.js';

/** Render into `outDir` (it must not exist yet); returns the answers record the render wrote. */
export async function renderVersion(pkg: TemplatePackage, record: AnswersRecord, outDir: string, signal?: AbortSignal): Promise<AnswersRecord> {
  const answersFile = `${outDir}.answers.json`;
  await writeFile(answersFile, `${JSON.stringify(record, null, 2)}\n`);
  await exec(
    `Render the template of create-shovel ${pkg.version}`,
    process.execPath,
    [path.join(pkg.root, 'bin', 'create-shovel.js'), outDir, '--answers', answersFile, '--yes', '--no-git', '--no-install'],
    { cwd: path.dirname(outDir), env: { CI: 'true', NO_COLOR: '1' }, ...(signal ? { signal } : {}) },
  );
  return JSON.parse(await readFile(path.join(outDir, ANSWERS_RECORD), 'utf8')) as AnswersRecord;
}
