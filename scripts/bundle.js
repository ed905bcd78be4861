#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: bundles create-shovel (dist/src/cli/create.js and what
 * it imports, dependencies included) under dist/bundle/, which bin/create-shovel.cjs loads.
 * Prompts (node-plop, inquirer), the release and the install runner stay in chunks of their
 * own (ES modules), loaded by the dynamic imports that already split them off.
 *
 * Two passes. The first splits the code into chunks (esbuild puts code shared by the entry and
 * a dynamic import into a chunk of its own). The second folds the entry, the chunks it imports
 * statically, the generator's actions (src/scaffold/run-generator.ts) and the precompiled
 * template trees (dist/templates/*.js) into one CommonJS file, dist/bundle/create.cjs: a run
 * that takes no prompt and makes no release reads one file with one synchronous require,
 * without starting Node's ES module loader, and its compiled code can be cached between runs
 * (bin/create-shovel.cjs). The file ends with a line naming a hash of its content, which the
 * cache is keyed on.
 * A chunk that other chunks still import is left as a stub that re-exports its bindings from
 * the entry, so every module keeps a single instance (one ShovelError class, one cache).
 *
 * The bundle keeps the layout the code relies on: it sits under dist/ (render.ts takes the
 * precompiled templates from dist/templates/ when running from a build) and finds the
 * package root by walking up to package.json (util/self.ts).
 */
import { readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { BUILD_ID_PREFIX } from '../dist/src/util/compile-cache.cjs';

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
/**
 * src/scaffold/precompiled-trees.ts finds a tree by its path at run time; in the bundle it
 * imports the trees this build made (precompile.ts runs before this script), by name.
 */
const treesInBundle = {
  name: 'precompiled-trees',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]src[\\/]scaffold[\\/]precompiled-trees\.js$/ }, async () => {
      const dir = path.join(root, 'dist', 'templates');
      const names = (await readdir(dir)).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3));
      const loaders = names.map((name) => `${JSON.stringify(name)}: () => import(${JSON.stringify(path.join(dir, `${name}.js`))})`);
      return {
        loader: 'js',
        resolveDir: dir,
        contents: [
          `const trees = { ${loaders.join(', ')} };`,
          'export async function importPrecompiled(name) {',
          '  return Object.hasOwn(trees, name) ? (await trees[name]()).default : undefined;',
          '}',
        ].join('\n'),
      };
    });
  },
};
const outdir = path.join(root, 'dist', 'bundle');
/** The first pass's entry; the second pass folds it into FOLDED. */
const ENTRY = 'dist/bundle/create.js';
const FOLDED = 'dist/bundle/create.cjs';
/**
 * How create.cjs imports a chunk. V8 code that Node 20 takes from a code cache has lost the
 * hook that import() needs (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the compile cache
 * (compile-cache.cts) passes an import function of its own as __shovelImport; required
 * without it, the file uses import() itself.
 */
const IMPORT_CHUNK = "var __dimp = typeof __shovelImport == 'function' ? __shovelImport : (s) => import(s);";
/** Loaded by the entry with import(), but on the path of every run: folded in too. */
const foldedDynamic = (source) => source === 'dist/src/scaffold/run-generator.js' || source.startsWith('dist/templates/');

// CommonJS dependencies (handlebars, execa's helpers ...) call require() for Node's built-ins.
const BANNER = "import { createRequire as __shovelRequire } from 'node:module'; const require = __shovelRequire(import.meta.url);";

/** How both bins are split into chunks at their dynamic imports. */
const splitBuild = {
  absWorkingDir: root,
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
  plugins: [yamlAsModule, treesInBundle],
  banner: { js: BANNER },
};

await rm(outdir, { recursive: true, force: true });
const first = await build({ ...splitBuild, entryPoints: { create: 'dist/src/cli/create.js' }, outdir, metafile: true });

const outputs = first.metafile.outputs;
const local = (imp) => !imp.external && imp.path.startsWith('dist/bundle/');
/** The entry, what it imports statically, and the folded dynamic imports with theirs. */
const folded = new Set();
const fold = (file) => {
  if (folded.has(file)) return;
  folded.add(file);
  for (const imp of outputs[file].imports) if (local(imp) && imp.kind === 'import-statement') fold(imp.path);
};
fold(ENTRY);
const dynamic = Object.keys(outputs).filter((out) => outputs[out].entryPoint && foldedDynamic(outputs[out].entryPoint));
if (!dynamic.some((out) => outputs[out].entryPoint.endsWith('run-generator.js'))) throw new Error('bundle: no chunk for run-generator.js');
for (const file of dynamic) fold(file);
const rest = Object.keys(outputs).filter((file) => file.endsWith('.js') && !folded.has(file));
/** Folded files some other chunk imports: each becomes a stub re-exporting from the entry. */
const stubbed = [...folded].filter((file) => file !== ENTRY && rest.some((other) => outputs[other].imports.some((imp) => local(imp) && imp.path === file)));
const exported = (file, i) => outputs[file].exports.map((name) => `${name} as __folded${i}_${name}`);

const entrySource = [
  `export * from ${JSON.stringify(`./${path.basename(ENTRY)}`)};`,
  ...stubbed.map((file, i) => `export { ${exported(file, i).join(', ')} } from ${JSON.stringify(`./${path.basename(file)}`)};`),
].join('\n');

await build({
  absWorkingDir: root,
  stdin: { contents: entrySource, resolveDir: outdir, sourcefile: 'create-folded.js' },
  outfile: path.join(root, FOLDED),
  bundle: true,
  // The chunks left out are still ES modules: their import() calls stay as they are, and the
  // stubs below re-export the folded bindings from this file, whose names esbuild lists in a
  // form Node's CommonJS export detection reads.
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  // The first pass kept the names; this one only sees its minified ones.
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  // import.meta.url (util/self.ts, render.ts) is this file's URL, as in the ES module build.
  define: { 'import.meta.url': '__shovelModuleUrl' },
  banner: { js: `var __shovelModuleUrl = require('node:url').pathToFileURL(__filename).href; ${IMPORT_CHUNK}` },
  plugins: [
    {
      name: 'fold-chunks',
      setup(b) {
        // Only the folded files are bundled; every other import stays as it is.
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          const file = path.relative(root, path.resolve(args.resolveDir, args.path)).split(path.sep).join('/');
          return folded.has(file) ? { path: path.join(root, file) } : { path: args.path, external: true };
        });
        // One banner for the whole file: each chunk's own is taken off (its line kept, so the
        // chunk's source map still lines up). A folded dynamic import becomes a static import
        // on that line and a promise of its namespace in place of the import(), padded to the
        // same length: esbuild would otherwise wrap every module in a lazy initialiser, and
        // each module's top-level code would be parsed twice.
        b.onLoad({ filter: /\.js$/ }, async (args) => {
          let text = await readFile(args.path, 'utf8');
          if (!text.startsWith(BANNER)) throw new Error(`bundle: ${args.path} does not start with the banner`);
          text = text.slice(BANNER.length);
          const statics = [];
          for (const file of dynamic) {
            const call = `import(${JSON.stringify(`./${path.basename(file)}`)})`;
            if (!text.includes(call)) continue;
            const ns = `__foldedNs${dynamic.indexOf(file)}`;
            const promise = `Promise.resolve(${ns})`;
            if (promise.length > call.length) throw new Error(`bundle: ${call} is shorter than ${promise}`);
            text = text.split(call).join(`Promise.resolve(${ns}${' '.repeat(call.length - promise.length)})`);
            statics.push(`import * as ${ns} from ${JSON.stringify(`./${path.basename(file)}`)};`);
          }
          // The chunks left out are loaded through __dimp (see IMPORT_CHUNK), same length.
          text = text.replace(/\bimport\((?="\.\/[\w.-]+\.js"\))/g, '__dimp(');
          return { contents: statics.join('') + text, loader: 'js', resolveDir: path.dirname(args.path) };
        });
      },
    },
  ],
});

for (const file of folded) {
  const i = stubbed.indexOf(file);
  for (const extra of [`${file}.map`, `${file}.LEGAL.txt`]) await unlink(path.join(root, extra)).catch(() => {});
  if (i < 0) await unlink(path.join(root, file));
  else {
    const names = outputs[file].exports.map((name) => `__folded${i}_${name} as ${name}`);
    await writeFile(path.join(root, file), `export { ${names.join(', ')} } from ${JSON.stringify(`./${path.basename(FOLDED)}`)};\n`);
  }
}
// The content hash the compile cache is keyed on (dist/src/util/compile-cache.cjs).
{
  const file = path.join(root, FOLDED);
  const text = await readFile(file, 'utf8');
  if (text.split('import(').length !== 2) throw new Error(`bundle: ${FOLDED} calls import() outside IMPORT_CHUNK`);
  await writeFile(file, `${text}${BUILD_ID_PREFIX}${createHash('sha256').update(text).digest('hex')}\n`);
}

// shovel, the release tool: a bundle of its own (dist/bundle/shovel/), split at its dynamic
// imports, so a release reads a few files instead of resolving some 150 modules, and loads
// no template tree (upgrade and check import them when they run).
await build({ ...splitBuild, entryPoints: { shovel: 'dist/src/cli/shovel.js' }, outdir: path.join(outdir, 'shovel') });
