/**
 * The compile cache (src/util/compile-cache.cts, built to dist/src/util/compile-cache.cjs):
 * real Node processes load a small CommonJS bundle through it, as bin/create-shovel.cjs
 * loads create-shovel's, and report what they got.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createShovel, CREATE_BIN, ROOT, tempDir } from '../support/cli.js';

const LOADER = path.join(ROOT, 'dist', 'src', 'util', 'compile-cache.cjs');
const PREFIX = '//# shovel-build-id=';
/** Node 22.1+ has its own compile cache, which the bin uses instead. */
const NODE_CACHES_ITSELF = typeof (createRequire(import.meta.url)('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';

let work: string;
let cacheDir: string;

beforeEach(async () => {
  work = await tempDir('shovel-compile-cache-');
  cacheDir = path.join(work, 'cache');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A bundle shaped as scripts/bundle.js makes create.cjs: a chunk loaded through __dimp, a build id last. */
async function writeBundle(answer: number, options: { id?: boolean } = {}): Promise<string> {
  const file = path.join(work, 'bundle.cjs');
  await writeFile(path.join(work, 'chunk.mjs'), `export const chunk = 'chunk of ${answer}';\n`);
  const text = [
    "var __dimp = typeof __shovelImport == 'function' ? __shovelImport : (s) => import(s);",
    `exports.answer = () => ${answer};`,
    "exports.chunk = async () => (await __dimp('./chunk.mjs')).chunk;",
    'exports.file = __filename;',
    '',
  ].join('\n');
  const id = options.id === false ? '' : `${PREFIX}${createHash('sha256').update(text).digest('hex')}\n`;
  await writeFile(file, text + id);
  return file;
}

/** Loads the bundle in a new process; what it exported, whether require's cache holds it, and the outcome. */
async function load(file: string, dir = cacheDir) {
  const script = [
    `const { requireCached } = require(${JSON.stringify(LOADER)});`,
    `const { exports: m, outcome } = requireCached(${JSON.stringify(file)}, ${JSON.stringify(dir)});`,
    `m.chunk().then((chunk) => console.log(JSON.stringify({ outcome, answer: m.answer(), chunk, same: require(${JSON.stringify(file)}) === m })));`,
  ].join('\n');
  const { stdout } = await execa(process.execPath, ['-e', script], { cwd: work });
  return JSON.parse(stdout) as { outcome: string; answer: number; chunk: string; same: boolean };
}

async function cacheFiles(dir = cacheDir): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('compile cache', () => {
  it('writes a cache on the first run and uses it on the next, the bundle working alike', async () => {
    const file = await writeBundle(42);
    expect(await load(file)).toEqual({ outcome: 'written', answer: 42, chunk: 'chunk of 42', same: true });
    const files = await cacheFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{32}\\.cache$`));
    // Code is kept where only this user can write.
    expect((await lstat(cacheDir)).mode & 0o777).toBe(0o700);
    expect((await lstat(path.join(cacheDir, files[0]!))).mode & 0o777).toBe(0o600);
    // The second run takes the code from the cache; import() of a chunk still works.
    expect(await load(file)).toEqual({ outcome: 'used', answer: 42, chunk: 'chunk of 42', same: true });
    expect(await cacheFiles()).toEqual(files);
  });

  it('keys the cache on the content: a changed bundle of the same length runs its own code', async () => {
    const first = await writeBundle(41);
    await load(first);
    const second = await writeBundle(43);
    // Same length, other content: V8's own check (the source length) would not tell them apart.
    expect((await readFile(second)).length).toBe((await readFile(first)).length);
    expect(await load(second)).toEqual({ outcome: 'written', answer: 43, chunk: 'chunk of 43', same: true });
    expect(await cacheFiles()).toHaveLength(2);
  });

  it('replaces a cache file V8 refuses, and the run goes on', async () => {
    const file = await writeBundle(7);
    await load(file);
    const [name] = await cacheFiles();
    await writeFile(path.join(cacheDir, name!), Buffer.alloc(4096, 0x5a));
    expect(await load(file)).toEqual({ outcome: 'written', answer: 7, chunk: 'chunk of 7', same: true });
    expect(await load(file)).toMatchObject({ outcome: 'used', answer: 7 });
  });

  it('removes caches not written for a week when it writes one', async () => {
    await mkdir(cacheDir, { mode: 0o700 });
    const stale = path.join(cacheDir, 'v0.0.0-x64-00000000000000000000000000000000.cache');
    const recent = path.join(cacheDir, 'v0.0.1-x64-00000000000000000000000000000000.cache');
    await writeFile(stale, 'old');
    await writeFile(recent, 'new');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000);
    await utimes(stale, eightDaysAgo, eightDaysAgo);
    await load(await writeBundle(1));
    const files = await cacheFiles();
    expect(files).not.toContain(path.basename(stale));
    expect(files).toContain(path.basename(recent));
    expect(files).toHaveLength(2);
  });

  it.runIf(typeof process.getuid === 'function')('uses no directory that others can write to, nor a symlink', async () => {
    const file = await writeBundle(5);
    await mkdir(cacheDir);
    await chmod(cacheDir, 0o777);
    expect(await load(file)).toEqual({ outcome: 'off', answer: 5, chunk: 'chunk of 5', same: true });
    expect(await cacheFiles()).toEqual([]);

    const real = path.join(work, 'real');
    await mkdir(real, { mode: 0o700 });
    const link = path.join(work, 'link');
    await symlink(real, link);
    expect(await load(file, link)).toMatchObject({ outcome: 'off', answer: 5 });
    expect(await readdir(real)).toEqual([]);
  });

  it('compiles as usual a bundle without a build id', async () => {
    const file = await writeBundle(9, { id: false });
    expect(await load(file)).toEqual({ outcome: 'off', answer: 9, chunk: 'chunk of 9', same: true });
    await expect(lstat(cacheDir), 'no cache directory is made').rejects.toThrow(/ENOENT/);
  });

  it('runs as usual when the cache directory cannot be made', async () => {
    const file = await writeBundle(3);
    await writeFile(path.join(work, 'a-file'), '');
    expect(await load(file, path.join(work, 'a-file', 'cache'))).toEqual({ outcome: 'off', answer: 3, chunk: 'chunk of 3', same: true });
  });
});

describe('create-shovel with its compile cache', () => {
  it('generates and commits a service on a first run and on a run from the cache', async () => {
    // A temporary directory of the test's own: the cache directory is made under it.
    const tmp = path.join(work, 'tmp');
    await mkdir(tmp);
    for (const name of ['first', 'second']) {
      const result = await createShovel([name, '--yes', '--no-install'], { cwd: work, env: { CI: 'true', TMPDIR: tmp } });
      expect(result.exitCode, result.all).toBe(0);
      // The first commit runs git through a chunk loaded with import().
      const { stdout } = await execa('git', ['log', '--format=%s'], { cwd: path.join(work, name) });
      expect(stdout.trim()).not.toBe('');
    }
    const made = (await readdir(tmp)).filter((n) => n.startsWith('create-shovel-compile-cache'));
    if (NODE_CACHES_ITSELF) expect(made, `${CREATE_BIN} uses Node's own compile cache`).toEqual([]);
    else {
      expect(made).toHaveLength(1);
      expect(await cacheFiles(path.join(tmp, made[0]!))).toHaveLength(1);
    }
  });
});
