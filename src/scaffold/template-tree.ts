/**
 * A template tree: its files with output paths, modes, and either raw contents or a render
 * function. Conventions (under templates/<name>/):
 * - `*.hbs` is rendered and written without the suffix;
 * - `*.raw` is copied verbatim without the suffix (e.g. the service's own plop templates);
 * - anything else is copied verbatim;
 * - a path segment starting with one `_` is written with a `.` instead (`_gitignore`),
 *   because npm drops dotfiles such as .gitignore from published packages.
 */
// fs.promises, read where it is used: a run from a build renders precompiled trees and never
// loads node:fs/promises.
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export interface TemplateSource {
  /** Path inside the template tree, with `/` separators. */
  source: string;
  /** Output path, with `/` separators. */
  path: string;
  mode: number;
  contents: Buffer;
  /** Rendered with Handlebars (`*.hbs`), or copied verbatim. */
  template: boolean;
}

export function outputPath(relative: string): string {
  const segments = relative.split('/').map((s) => (/^_[^_]/.test(s) ? `.${s.slice(1)}` : s));
  return segments.join('/').replace(/\.(hbs|raw)$/, '');
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(root, full)));
    else if (entry.isFile()) files.push(path.relative(root, full).split(path.sep).join('/'));
  }
  return files.sort();
}

export async function readTemplateTree(root: string): Promise<TemplateSource[]> {
  const files = await listFiles(root);
  return Promise.all(
    files.map(async (source) => {
      const full = path.join(root, source);
      const [contents, info] = await Promise.all([fsp.readFile(full), fsp.stat(full)]);
      return { source, path: outputPath(source), mode: info.mode & 0o777, contents, template: source.endsWith('.hbs') };
    }),
  );
}
