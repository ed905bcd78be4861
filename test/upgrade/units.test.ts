/** The pure parts of upgrade and fleet, table-driven. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { classifyConflicts } from '../../src/upgrade/apply.js';
import { formatFleet } from '../../src/upgrade/fleet-format.js';
import { readFleetList } from '../../src/upgrade/fleet.js';
import { inputFlags } from '../../src/upgrade/input-flags.js';
import { localEdits } from '../../src/upgrade/local-edits.js';
import { reconcileLockfile, renamedLockfile } from '../../src/upgrade/lockfile.js';
import { parseMergeTree, type MergeResult } from '../../src/upgrade/merge.js';
import { moveFile, renameYamlKey } from '../../src/upgrade/migration-steps.js';
import { pendingMigrations, type Migration } from '../../src/upgrade/migrations.js';
import { renderVersion } from '../../src/upgrade/render-version.js';
import { tempDir } from '../support/cli.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('parseMergeTree (git merge-tree --write-tree -z)', () => {
  it('reads the tree, every stage of every conflicted path, and the messages', () => {
    const out = [
      'f00d'.repeat(10),
      `100644 ${A} 1\tREADME.md`,
      `100644 ${B} 2\tREADME.md`,
      `100644 ${C} 3\tREADME.md`,
      `100755 ${A} 1\tgone with space.sh`,
      `100755 ${C} 3\tgone with space.sh`,
      '',
      '1', 'README.md', 'CONFLICT (contents)', 'CONFLICT (content): Merge conflict in README.md',
      '1', 'gone with space.sh', 'CONFLICT (modify/delete)', 'CONFLICT (modify/delete): gone with space.sh deleted in yours',
      '',
    ].join('\0');
    const result = parseMergeTree(out);
    expect(result.tree).toBe('f00d'.repeat(10));
    expect(result.conflicts).toEqual([
      { path: 'README.md', stages: { 1: { mode: '100644', oid: A }, 2: { mode: '100644', oid: B }, 3: { mode: '100644', oid: C } } },
      { path: 'gone with space.sh', stages: { 1: { mode: '100755', oid: A }, 3: { mode: '100755', oid: C } } },
    ]);
    expect(result.messages).toEqual(['CONFLICT (content): Merge conflict in README.md', 'CONFLICT (modify/delete): gone with space.sh deleted in yours']);
  });

  it('a clean merge: the tree alone', () => {
    expect(parseMergeTree(`${'e'.repeat(40)}\0\0`)).toEqual({ tree: 'e'.repeat(40), conflicts: [], messages: [] });
  });
});

describe('classifyConflicts', () => {
  const entry = { mode: '100644', oid: A };
  const merge: MergeResult = {
    tree: 't',
    messages: [],
    conflicts: [
      { path: 'both.md', stages: { 1: entry, 2: entry, 3: entry } },
      { path: 'you-deleted.ts', stages: { 1: entry, 3: entry } },
      { path: 'template-dropped.ts', stages: { 1: entry, 2: entry } },
      { path: 'both-added.ts', stages: { 2: entry, 3: entry } },
    ],
  };
  it('a file you deleted stays deleted; one the template dropped stays yours; the rest conflict', () => {
    expect(classifyConflicts(merge)).toEqual({
      conflicts: ['both.md', 'both-added.ts'],
      keptDeleted: ['you-deleted.ts'],
      keptYours: ['template-dropped.ts'],
    });
  });
});

describe('renamedLockfile', () => {
  const lock = { name: 'orders', version: '0.1.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'orders', version: '0.1.0', dependencies: { fastify: '5.0.0' } }, 'node_modules/fastify': { version: '5.0.0' } } };
  const text = `${JSON.stringify(lock, null, 2)}\n`;
  it('the same name and version: the bytes as they are', () => {
    expect(renamedLockfile(text, 'orders', '0.1.0')).toBe(text);
  });
  it("another version: set at the top and on the root package, the tree untouched", () => {
    const out = JSON.parse(renamedLockfile(text, 'orders', '1.4.2')) as typeof lock;
    expect(out).toEqual({ ...lock, version: '1.4.2', packages: { ...lock.packages, '': { ...lock.packages[''], version: '1.4.2' } } });
  });
});

describe('pendingMigrations', () => {
  const m = (version: string): Migration => ({ version, description: version, run: async () => undefined });
  const table = [m('0.3.0'), m('0.1.0'), m('0.2.0'), m('1.0.0')];
  it.each([
    ['0.1.0', '0.3.0', ['0.2.0', '0.3.0']],
    ['0.0.1', '0.1.0', ['0.1.0']],
    ['0.3.0', '0.9.0', []],
    ['0.2.0', '1.0.0', ['0.3.0', '1.0.0']],
  ])('from %s to %s: %j, oldest first', (from, to, expected) => {
    expect(pendingMigrations(table, from, to).map((x) => x.version)).toEqual(expected);
  });
});

describe('migration steps', () => {
  it('renameYamlKey changes the key only: comments, quoting, order and the value stay', async () => {
    const dir = await tempDir();
    const yml = '# top\nrelease:\n  # how long\n  deadlineSeconds: 900 # tuned\n  other: "x"\nkeep: 1\n';
    await writeFile(path.join(dir, 'shovel.yml'), yml);
    await renameYamlKey(dir, 'shovel.yml', 'release.deadlineSeconds', 'healthDeadlineSeconds');
    expect(await readFile(path.join(dir, 'shovel.yml'), 'utf8')).toBe(yml.replace('deadlineSeconds', 'healthDeadlineSeconds'));
    // Again: nothing left to rename, nothing changes; a missing file is no error.
    await renameYamlKey(dir, 'shovel.yml', 'release.deadlineSeconds', 'healthDeadlineSeconds');
    expect(await readFile(path.join(dir, 'shovel.yml'), 'utf8')).toBe(yml.replace('deadlineSeconds', 'healthDeadlineSeconds'));
    await renameYamlKey(dir, 'absent.yml', 'a', 'b');
  });

  it('moveFile moves when the source exists and the target does not', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.txt'), 'a');
    await moveFile(dir, 'a.txt', 'docs/b.txt');
    expect(await readFile(path.join(dir, 'docs/b.txt'), 'utf8')).toBe('a');
    await writeFile(path.join(dir, 'a.txt'), 'new');
    await moveFile(dir, 'a.txt', 'docs/b.txt');
    expect(await readFile(path.join(dir, 'docs/b.txt'), 'utf8')).toBe('a');
  });
});

describe('inputFlags (after --)', () => {
  it.each([
    [['--instances', '3', '--public-host=x.example.com'], ['--instances=3', '--public-host=x.example.com']],
    [['--description', '--starts with dashes'], ['--description=--starts with dashes']],
    [[], []],
  ])('%j -> %j', (args, expected) => {
    expect(inputFlags(args)).toEqual(expected);
  });
  it.each([
    [['--force'], '--force steers create-shovel itself'],
    [['--no-git'], '--no-git steers create-shovel itself'],
    [['-y'], 'After --, give input flags'],
    [['--port'], '--port needs a value.'],
  ])('%j is refused', (args, message) => {
    expect(() => inputFlags(args)).toThrow(message);
  });
});

describe('local edits and the fleet list', () => {
  it('counts changed and deleted template files; files of the service alone never count', async () => {
    const rendered = await tempDir();
    const service = await tempDir();
    for (const [file, text] of [['a.txt', 'a'], ['src/b.ts', 'b'], ['gone.md', 'g']] as const) {
      await mkdir(path.dirname(path.join(rendered, file)), { recursive: true });
      await writeFile(path.join(rendered, file), text);
    }
    await mkdir(path.join(service, 'src'));
    await writeFile(path.join(service, 'a.txt'), 'a');
    await writeFile(path.join(service, 'src/b.ts'), 'b changed');
    await writeFile(path.join(service, 'mine.ts'), 'mine');
    expect(await localEdits(rendered, service)).toEqual({ modified: ['src/b.ts'], deleted: ['gone.md'] });
  });

  it('reads a list file: comments and blank lines skipped, paths relative to the file', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'fleet.txt'), '# services\n orders \n\n../elsewhere/search # moved\n/abs/billing\n');
    expect(await readFleetList(path.join(dir, 'fleet.txt'))).toEqual([path.join(dir, 'orders'), path.resolve(dir, '../elsewhere/search'), '/abs/billing']);
    await expect(readFleetList(path.join(dir, 'none.txt'))).rejects.toThrow('--from: cannot read');
  });

  it('formatFleet escapes table cells', () => {
    const text = formatFleet({
      newest: '0.2.0',
      known: ['0.2.0'],
      services: [{ dir: '/x', service: 'a|b', team: 'pipe | team', template: 'service', version: '0.2.0', behind: [], localEdits: { modified: [], deleted: [] }, lastRelease: null }],
    });
    expect(text.split('\n')[2]).toBe('| a\\|b | pipe \\| team | service | 0.2.0 | 0 | none | none |');
  });
});

describe('reconcileLockfile', () => {
  const manifest = (deps: Record<string, string>, version = '0.1.0') => `${JSON.stringify({ name: 'orders', version, dependencies: deps }, null, 2)}\n`;
  const lockfile = (deps: Record<string, string>, version = '0.1.0') =>
    `${JSON.stringify({ name: 'orders', version, lockfileVersion: 3, packages: { '': { name: 'orders', version, dependencies: deps } } }, null, 2)}\n`;

  async function setup(serviceDeps: Record<string, string>, serviceVersion: string) {
    const repo = await tempDir();
    const rendered = await tempDir();
    await execa('git', ['init', '--quiet'], { cwd: repo });
    await writeFile(path.join(repo, 'package.json'), manifest(serviceDeps, serviceVersion));
    await writeFile(path.join(repo, 'package-lock.json'), 'the line merge\n');
    await writeFile(path.join(rendered, 'package.json'), manifest({ fastify: '5.1.0' }));
    await writeFile(path.join(rendered, 'package-lock.json'), lockfile({ fastify: '5.1.0' }));
    return { repo, rendered };
  }

  it("the template's dependencies: its lockfile, under the service's version, staged", async () => {
    const { repo, rendered } = await setup({ fastify: '5.1.0' }, '0.3.0');
    expect(await reconcileLockfile(repo, rendered, true)).toBe('template');
    expect(await readFile(path.join(repo, 'package-lock.json'), 'utf8')).toBe(lockfile({ fastify: '5.1.0' }, '0.3.0'));
    expect((await execa('git', ['diff', '--cached', '--name-only'], { cwd: repo })).stdout).toBe('package-lock.json');
  });

  it('dependencies of its own: the line merge stands, a conflict stays one', async () => {
    const { repo, rendered } = await setup({ fastify: '5.1.0', zod: '4.0.0' }, '0.1.0');
    expect(await reconcileLockfile(repo, rendered, false)).toBe('merged');
    expect(await reconcileLockfile(repo, rendered, true)).toBe('conflict');
    expect(await readFile(path.join(repo, 'package-lock.json'), 'utf8')).toBe('the line merge\n');
  });
});

describe('renderVersion: the bin of the version', () => {
  const record = { template: 'service', version: '9.9.9', answers: {} } as unknown as Parameters<typeof renderVersion>[1];

  it('runs the bin its package.json names, wherever it is', async () => {
    const root = await tempDir('shovel-render-version-');
    await mkdir(path.join(root, 'elsewhere'));
    // A stand-in bin that writes the answers record it was given, as create-shovel does.
    await writeFile(
      path.join(root, 'elsewhere', 'make.cjs'),
      [
        "const fs = require('node:fs'); const path = require('node:path');",
        'const [out, , answers] = process.argv.slice(2);',
        "fs.mkdirSync(path.join(out, '.shovel'), { recursive: true });",
        "fs.copyFileSync(answers, path.join(out, '.shovel', 'answers.json'));",
      ].join('\n'),
    );
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'create-shovel', version: '9.9.9', bin: { 'create-shovel': 'elsewhere/make.cjs' } }));
    expect(await renderVersion({ version: '9.9.9', root, source: 'cache' }, record, path.join(root, 'out'))).toEqual(record);
  });

  it('refuses a package whose package.json names no create-shovel bin, naming the version', async () => {
    const root = await tempDir('shovel-render-version-');
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'create-shovel', version: '9.9.9', bin: { shovel: 'bin/shovel.js' } }));
    await expect(renderVersion({ version: '9.9.9', root, source: 'cache' }, record, path.join(root, 'out'))).rejects.toMatchObject({
      code: 'SHOVEL_ERR_TEMPLATE_UNAVAILABLE',
      message: expect.stringContaining('create-shovel 9.9.9'),
    });
  });
});
