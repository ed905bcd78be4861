/** npm projects for tests of how Shovel reports npm's failures. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A directory whose package.json needs is-number@7.0.0 and whose lockfile does not have it. */
export async function outOfSyncProject(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-npm-ci-'));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { 'is-number': '7.0.0' } }));
  await writeFile(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'x', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'x', version: '1.0.0' } } }),
  );
  return dir;
}

