/**
 * The one table of versions a generated service depends on: versions/service/package.json,
 * an npm manifest so that Renovate (and `npm outdated`) read it as they read any project,
 * with the lockfile beside it that every generated service installs (`npm run template:lock`
 * refreshes it). Its `shovel` key holds the Node and npm majors of the base image; the
 * Dockerfile default, `.nvmrc`, the CI workflow and `.ci/setup-env.sh` all read them here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { selfPackage } from './util/self.js';

export interface VersionTable {
  name: string;
  version: string;
  engines: { node: string };
  shovel: { nodeMajor: number; npmMajor: number };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

export interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  packages: Record<string, { name?: string; version?: string; engines?: Record<string, string> | string[]; dev?: boolean; optional?: boolean }>;
  [key: string]: unknown;
}

/** Path of the table's folder inside the package. */
export function versionTableDir(root = selfPackage().root): string {
  return path.join(root, 'versions', 'service');
}

let table: VersionTable | undefined;
let lock: Lockfile | undefined;

export function versionTable(): VersionTable {
  table ??= JSON.parse(readFileSync(path.join(versionTableDir(), 'package.json'), 'utf8')) as VersionTable;
  return table;
}

/** The pinned tree (package-lock.json of the table), as npm wrote it. */
export function pinnedLockfile(): Lockfile {
  lock ??= JSON.parse(readFileSync(path.join(versionTableDir(), 'package-lock.json'), 'utf8')) as Lockfile;
  return lock;
}

/**
 * The pinned lockfile for a service called `name`: the table's tree with the service's own
 * name and version, so that `npm ci` accepts it against the generated package.json.
 */
export function lockfileFor(name: string, version: string): Lockfile {
  const source = pinnedLockfile();
  const root = source.packages[''] ?? {};
  return { ...source, name, version, packages: { ...source.packages, '': { ...root, name, version } } };
}

/** Node.js major the generated image runs (the current LTS line). */
export const NODE_LTS_MAJOR: number = versionTable().shovel.nodeMajor;
/** npm major of the base image that CI builds (the Dockerfile's default image brings its own). */
export const NPM_MAJOR: number = versionTable().shovel.npmMajor;
export const NODE_IMAGE_DEFAULT = `node:${NODE_LTS_MAJOR}-bookworm-slim`;
/** Oldest Node.js the pinned tree supports: the generated service's `engines.node`. */
export const NODE_ENGINES: string = versionTable().engines.node;
