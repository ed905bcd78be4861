/**
 * Renders a template tree in memory. From a build (dist/), the tree comes precompiled
 * (dist/templates/<name>.js, see precompile.ts): plain render functions, and the Handlebars
 * runtime only for a template compiled to a spec; otherwise (tests, templates being edited)
 * it is compiled on the fly with Handlebars. All use the same helpers and the same compile
 * options, and refuse a bare `{{value}}`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Handlebars from 'handlebars';
import { selfPackage, templatesDir } from '../util/self.js';
import { registerHelpers } from './helpers.js';
import { importPrecompiled } from './precompiled-trees.js';
import { TEMPLATE_RUNTIME } from './template-runtime.js';
import { readTemplateTree } from './template-tree.js';

export interface RenderedFile {
  /** Path relative to the output root, with `/` separators. */
  path: string;
  contents: Buffer;
  mode: number;
}

interface TreeFile {
  path: string;
  mode: number;
  render?: (data: object) => string;
  raw?: Buffer;
}

const RUNNING_FROM_BUILD = fileURLToPath(import.meta.url).split(path.sep).includes('dist');

async function precompiledTree(templateRoot: string): Promise<TreeFile[] | undefined> {
  const name = path.basename(templateRoot);
  if (!RUNNING_FROM_BUILD || path.resolve(templateRoot) !== path.join(templatesDir(), name)) return undefined;
  const files = await importPrecompiled(name);
  if (!files) return undefined;
  let blob: Buffer;
  try {
    blob = readFileSync(path.join(selfPackage().root, 'dist', 'templates', `${name}.bin`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const env = files.some((f) => f.spec) ? await handlebarsRuntime() : undefined;
  return files.map((f): TreeFile => {
    const { path: file, mode } = f;
    if (f.render) {
      const render = f.render;
      return { path: file, mode, render: (data) => render(data, TEMPLATE_RUNTIME) };
    }
    if (f.spec) return { path: file, mode, render: env!.template(f.spec) };
    const [offset, length] = f.bytes!;
    return { path: file, mode, raw: blob.subarray(offset, offset + length) };
  });
}

/** The runtime alone: it renders precompiled specs and has no compiler to load. */
async function handlebarsRuntime(): Promise<typeof Handlebars> {
  const runtime = (await import('handlebars/runtime.js')).default as unknown as typeof Handlebars;
  const env = runtime.create();
  registerHelpers(env);
  return env;
}

async function compiledTree(templateRoot: string): Promise<TreeFile[]> {
  const { compileTemplate } = await import('./compile.js');
  return (await readTemplateTree(templateRoot)).map((f) => ({
    path: f.path,
    mode: f.mode,
    ...(f.template ? { render: compileTemplate(f.contents.toString('utf8'), f.source) } : { raw: f.contents }),
  }));
}

/** Render every file of a template tree in memory; nothing is written here. */
export async function renderTree(templateRoot: string, data: object): Promise<RenderedFile[]> {
  const tree = (await precompiledTree(templateRoot)) ?? (await compiledTree(templateRoot));
  return tree
    .map((f) => ({ path: f.path, mode: f.mode, contents: f.render ? Buffer.from(f.render(data), 'utf8') : f.raw! }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
