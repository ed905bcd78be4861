#!/usr/bin/env node
// The bundle of dist/src/cli/shovel.js (scripts/bundle.js, part of `npm run build`).

// Node 22.1+ keeps V8's compiled code of the bundle between runs; older Nodes have no cache.
process.getBuiltinModule('node:module').enableCompileCache?.();
const { run } = await import('../dist/bundle/shovel/shovel.js');
run(process.argv.slice(2));
