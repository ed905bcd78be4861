/**
 * Facts about the running create-shovel package: its root, name and version.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SelfPackage {
  root: string;
  name: string;
  version: string;
}

let cached: SelfPackage | undefined;

/** The nearest package.json above this module that is create-shovel's, read once. */
function findSelf(): SelfPackage {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'create-shovel') return { root: dir, name: pkg.name, version: pkg.version ?? '' };
    } catch {
      // not here; keep climbing
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('create-shovel: cannot find its own package.json');
    dir = parent;
  }
}

export function selfPackage(): SelfPackage {
  cached ??= findSelf();
  return cached;
}

export function templatesDir(): string {
  return path.join(selfPackage().root, 'templates');
}
