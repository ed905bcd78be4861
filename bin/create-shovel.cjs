#!/usr/bin/env node
'use strict';
// The bundle of dist/src/cli/create.js (scripts/bundle.js, part of `npm run build`), one
// CommonJS file: one synchronous require, no ES module loader to start.
// Node 22.1+ keeps V8's compiled code of it between runs by itself; on older Nodes,
// compile-cache.cjs does the same for this one file.
const path = require('node:path');
const { enableCompileCache } = require('node:module');

const bundle = path.join(__dirname, '..', 'dist', 'bundle', 'create.cjs');
let create;
if (enableCompileCache) {
  enableCompileCache();
  create = require(bundle);
} else {
  create = require('../dist/src/util/compile-cache.cjs').requireCached(bundle).exports;
}
create.run(process.argv.slice(2));
