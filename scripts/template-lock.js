#!/usr/bin/env node
/**
 * npm run template:lock — refreshes versions/service/package-lock.json, the tree every
 * generated service installs, from the version table beside it (versions/service/
 * package.json). A deliberate change: commit the new lockfile and let CI prove it (it
 * installs, builds and tests a generated service from it, and builds its image).
 *
 *   npm run template:lock              resolve the table's versions again (keeps what still fits)
 *   npm run template:lock -- --fresh   forget the old lockfile first (newest transitive versions)
 *
 * Then it checks that `engines.node` of the table is a floor every package of the tree accepts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'versions', 'service');
const lockPath = path.join(dir, 'package-lock.json');

if (process.argv.includes('--fresh')) rmSync(lockPath, { force: true });
console.error(`npm install --package-lock-only in ${path.relative(process.cwd(), dir) || '.'}`);
execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--engine-strict=false'], {
  cwd: dir,
  stdio: ['ignore', 'inherit', 'inherit'],
});

const table = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const floor = semver.minVersion(table.engines.node);
const refusing = Object.entries(lock.packages)
  .filter(([key, entry]) => key !== '' && typeof entry.engines?.node === 'string')
  .filter(([, entry]) => !semver.satisfies(floor, entry.engines.node))
  .map(([key, entry]) => `${key.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${entry.engines.node}`);
if (refusing.length > 0) {
  console.error(`engines.node "${table.engines.node}" (floor ${floor}) is below what the tree needs:\n  ${refusing.join('\n  ')}`);
  console.error('Raise engines.node in versions/service/package.json and run this again.');
  process.exit(1);
}
const count = Object.keys(lock.packages).length - 1;
console.error(`versions/service/package-lock.json: ${count} packages; every one accepts Node ${floor} (engines.node ${table.engines.node})`);
