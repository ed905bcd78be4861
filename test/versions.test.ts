/**
 * The one table of versions (versions/service): exact versions, a lockfile npm wrote from it
 * that is still in sync, and an engines.node floor that every package of the tree accepts
 * (checked with semver against the engines each package declares in the lockfile).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { lockfileFor, NODE_ENGINES, NODE_IMAGE_DEFAULT } from '../src/versions.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../versions/service');
const table = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));

describe('versions/service', () => {
  it('pins every dependency to one exact version', () => {
    for (const [name, spec] of Object.entries<string>({ ...table.dependencies, ...table.devDependencies })) {
      expect(semver.valid(spec), `${name}@${spec}`).toBe(spec);
    }
  });

  it('has a lockfile in sync with it (what `npm ci` checks)', () => {
    expect(lock.lockfileVersion).toBe(3);
    const root = lock.packages[''];
    expect(root.dependencies).toEqual(table.dependencies);
    expect(root.devDependencies).toEqual(table.devDependencies);
    expect(root.engines).toEqual(table.engines);
    for (const [name, version] of Object.entries<string>({ ...table.dependencies, ...table.devDependencies })) {
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
  });

  it('claims an engines.node floor that every package of the tree accepts', () => {
    const floor = semver.minVersion(table.engines.node)!;
    expect(floor).not.toBeNull();
    const refusing = Object.entries<{ version: string; engines?: { node?: string } }>(lock.packages)
      .filter(([key, entry]) => key !== '' && typeof entry.engines?.node === 'string' && !semver.satisfies(floor, entry.engines.node!))
      .map(([key, entry]) => `${key}@${entry.version}: ${entry.engines!.node}`);
    expect(refusing).toEqual([]);
  });

  it('has no package at a version the registry refused (no resolved entry left out)', () => {
    for (const [key, entry] of Object.entries<{ version?: string; link?: boolean; integrity?: string }>(lock.packages)) {
      if (key === '') continue;
      expect(entry.link, key).toBeUndefined();
      expect(entry.version, key).toBeDefined();
      expect(entry.integrity, key).toMatch(/^sha(512|1)-/);
    }
  });

  it('gives the base image of the Dockerfile default and the engines of the service', () => {
    expect(NODE_IMAGE_DEFAULT).toBe(`node:${table.shovel.nodeMajor}-bookworm-slim`);
    expect(NODE_ENGINES).toBe(table.engines.node);
  });

  it('renames the lockfile for a service and changes nothing else', () => {
    const renamed = lockfileFor('orders', '0.1.0');
    expect(renamed.name).toBe('orders');
    expect(renamed.packages['']).toEqual({ ...lock.packages[''], name: 'orders', version: '0.1.0' });
    expect({ ...renamed, name: lock.name, version: lock.version, packages: { ...renamed.packages, '': lock.packages[''] } }).toEqual(lock);
  });
});
