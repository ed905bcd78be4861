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

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'create-shovel') return dir;
    } catch {
      // not here; keep climbing
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('create-shovel: cannot find its own package.json');
    dir = parent;
  }
}

export function selfPackage(): SelfPackage {
  if (cached) return cached;
  const root = findRoot();
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  cached = { root, name: pkg.name, version: pkg.version };
  return cached;
}

export function templatesDir(): string {
  return path.join(selfPackage().root, 'templates');
}
