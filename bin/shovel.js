#!/usr/bin/env node
import { run } from '../dist/src/cli/shovel.js';

run(process.argv.slice(2));
