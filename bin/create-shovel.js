#!/usr/bin/env node
// The bundle of dist/src/cli/create.js (scripts/bundle.js, part of `npm run build`).
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of the bundle between runs; older Nodes have no cache.
module.enableCompileCache?.();
const { run } = await import('../dist/bundle/create.js');
run(process.argv.slice(2));
