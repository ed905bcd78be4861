/**
 * Building blocks of migrations (see migrations.ts). Each is idempotent and does nothing when
 * what it migrates is absent: it runs on your files, which may have moved on already.
 */
import { readFile, rename, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Rename the key at `from` (a dotted path, e.g. `release.deadline`) to `to` (its new last
 * segment). Only the key's own characters change: comments, quoting and layout stay as they are.
 */
export async function renameYamlKey(dir: string, file: string, from: string, to: string): Promise<void> {
  const full = path.join(dir, file);
  const text = await readFile(full, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const { parseDocument, isMap, isScalar } = await import('yaml');
  const doc = parseDocument(text);
  const segments = from.split('.');
  const last = segments.pop()!;
  const parent = segments.length === 0 ? doc.contents : doc.getIn(segments, true);
  if (!isMap(parent)) return;
  const key = parent.items.map((p) => p.key).find((k) => isScalar(k) && k.value === last);
  if (!isScalar(key) || !key.range) return;
  await writeFile(full, `${text.slice(0, key.range[0])}${to}${text.slice(key.range[1])}`);
}

/** Move a file when it exists and the destination does not. */
export async function moveFile(dir: string, from: string, to: string): Promise<void> {
  const source = path.join(dir, from);
  const target = path.join(dir, to);
  if (!(await stat(source).catch(() => undefined)) || (await stat(target).catch(() => undefined))) return;
  await mkdir(path.dirname(target), { recursive: true });
  await rename(source, target);
}
