#!/usr/bin/env node
// The bundle of dist/src/cli/create.js (scripts/bundle.js, part of `npm run build`).

// Node 22.1+ keeps V8's compiled code of the bundle between runs; older Nodes have no cache.
// getBuiltinModule (Node 20.16+) spares the import of node:module and its namespace.
process.getBuiltinModule('node:module').enableCompileCache?.();
const { run } = await import('../dist/bundle/create.js');
run(process.argv.slice(2));
