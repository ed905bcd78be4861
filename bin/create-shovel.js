#!/usr/bin/env node
import { run } from '../dist/src/cli/create.js';

run(process.argv.slice(2));
