/**
 * Facts about the running create-shovel package: its root, name, version, and how a
 * generated service should depend on it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SelfPackage {
  root: string;
  name: string;
  version: string;
  /**
   * The devDependency spec a generated service uses to get the `shovel` bin: the published
   * version range when Shovel runs from an installed package, or a file: link when it runs
   * from a clone (it is not on the registry then). SHOVEL_PACKAGE_SPEC overrides both.
   */
  dependencySpec: string;
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
  const installed = root.split(path.sep).includes('node_modules');
  const dependencySpec = process.env.SHOVEL_PACKAGE_SPEC || (installed ? `^${pkg.version}` : `file:${root}`);
  cached = { root, name: pkg.name, version: pkg.version, dependencySpec };
  return cached;
}

export function templatesDir(): string {
  return path.join(selfPackage().root, 'templates');
}
