/**
 * Renders a template tree in memory. From a build (dist/), the tree comes precompiled
 * (dist/templates/<name>.js, see precompile.ts) and renders with the Handlebars runtime
 * alone; otherwise (tests, templates being edited) it is compiled on the fly. Both use the
 * same helpers and the same compile options, and refuse a bare `{{value}}`.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type Handlebars from 'handlebars';
import { selfPackage, templatesDir } from '../util/self.js';
import { registerHelpers } from './helpers.js';
import { readTemplateTree } from './template-tree.js';

export interface RenderedFile {
  /** Path relative to the output root, with `/` separators. */
  path: string;
  contents: Buffer;
  mode: number;
}

interface PrecompiledFile {
  path: string;
  mode: number;
  spec?: Parameters<typeof Handlebars.template>[0];
  raw?: string;
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
  const file = path.join(selfPackage().root, 'dist', 'templates', `${name}.js`);
  let files: PrecompiledFile[];
  try {
    files = ((await import(pathToFileURL(file).href)) as { default: PrecompiledFile[] }).default;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  // The runtime alone: it renders precompiled specs and has no compiler to load.
  const runtime = (await import('handlebars/runtime.js')).default as unknown as typeof Handlebars;
  const env = runtime.create();
  registerHelpers(env);
  return files.map((f) => ({
    path: f.path,
    mode: f.mode,
    ...(f.spec ? { render: env.template(f.spec) } : { raw: Buffer.from(f.raw ?? '', 'base64') }),
  }));
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
