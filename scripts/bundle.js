#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: bundles create-shovel (dist/src/cli/create.js and what
 * it imports, dependencies included) into ES modules under dist/bundle/, which
 * bin/create-shovel.js loads. A run that takes no prompt and makes no release loads the entry
 * and the few chunks that path imports statically, instead of resolving and reading some
 * 150 modules one by one; prompts (node-plop, inquirer), the release and the install runner
 * stay in chunks of their own, loaded by the dynamic imports that already split them off.
 *
 * The bundle keeps the layout the code relies on: it sits under dist/ (render.ts takes the
 * precompiled templates from dist/templates/ when running from a build) and finds the
 * package root by walking up to package.json (util/self.ts).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A dynamic import() of a CommonJS package gives only a default export inside a bundle,
 * where Node gives named ones too. `await import('yaml')` names its exports, so yaml comes
 * from its ES module build (the one its exports map gives outside Node; the same code).
 */
const yamlAsModule = {
  name: 'yaml-as-module',
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(root, 'node_modules', 'yaml', 'browser', 'index.js') }));
  },
};
const outdir = path.join(root, 'dist', 'bundle');

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { create: 'dist/src/cli/create.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  plugins: [yamlAsModule],
  // CommonJS dependencies (handlebars, execa's helpers ...) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __shovelRequire } from 'node:module'; const require = __shovelRequire(import.meta.url);" },
});
