/**
 * Where a build's precompiled template trees come from: dist/templates/<name>.js, written by
 * precompile.ts. In the bundle, scripts/bundle.js puts in place of this module one that
 * imports the trees the build made, so that they are part of the bundle's file.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type Handlebars from 'handlebars';
import { selfPackage } from '../util/self.js';
import type { CompiledRender } from './template-runtime.js';

export interface PrecompiledFile {
  path: string;
  mode: number;
  /** A template compiled to JavaScript (codegen.ts). */
  render?: CompiledRender;
  /** A template precompiled for handlebars/runtime. */
  spec?: Parameters<typeof Handlebars.template>[0];
  /** A verbatim file: its offset and length in dist/templates/<name>.bin. */
  bytes?: [number, number];
}

/** The files of the precompiled tree `name`, or undefined when the build made none. */
export async function importPrecompiled(name: string): Promise<PrecompiledFile[] | undefined> {
  const file = path.join(selfPackage().root, 'dist', 'templates', `${name}.js`);
  try {
    return ((await import(pathToFileURL(file).href)) as { default: PrecompiledFile[] }).default;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
