import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertWritable,
  inspectTarget,
  removeStaleTemporaries,
  swapIntoPlace,
  temporaryBeside,
} from '../../src/scaffold/target.js';
import { tempDir } from '../support/cli.js';

async function tree(dir: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
}

describe('target directory', () => {
  it('accepts an absent or empty target and refuses a non-empty one, listing what is in the way', async () => {
    const parent = await tempDir();
    expect(() => assertWritable({ dir: 'x', exists: false, entries: [] }, false)).not.toThrow();
    await tree(path.join(parent, 't'), { 'a.txt': '1', 'b/c.txt': '2' });
    const target = await inspectTarget(path.join(parent, 't'));
    expect(() => assertWritable(target, false)).toThrow(/is not empty/);
    try {
      assertWritable(target, false);
    } catch (error) {
      expect((error as { details: string[] }).details).toEqual(['a.txt', 'b']);
    }
    expect(() => assertWritable(target, true)).not.toThrow();
  });

  it('refuses a target that is a file', async () => {
    const parent = await tempDir();
    await writeFile(path.join(parent, 'f'), 'x');
    await expect(inspectTarget(path.join(parent, 'f'))).rejects.toThrow(/not a directory/);
  });

  it('swaps a built tree in place, keeping the old .git and dropping the rest', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'svc');
    await tree(dir, { 'old.txt': 'old', '.git/HEAD': 'ref: refs/heads/main\n' });
    const built = temporaryBeside(dir);
    await tree(built, { 'new.txt': 'new' });
    const result = await swapIntoPlace(built, await inspectTarget(dir));
    expect(result.keptGit).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['.git', 'new.txt']);
    expect(await readFile(path.join(dir, '.git/HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(await readdir(parent)).toEqual(['svc']);
  });

  it('removes temporaries of dead runs only, never a previous tree kept aside', async () => {
    const parent = await tempDir();
    await mkdir(path.join(parent, '.shovel-tmp-999999999-svc-aaaa'));
    await mkdir(path.join(parent, `.shovel-tmp-${process.pid}-svc-bbbb`));
    await mkdir(path.join(parent, '.shovel-old-999999999-svc-cccc'));
    expect(await removeStaleTemporaries(parent)).toEqual(['.shovel-tmp-999999999-svc-aaaa']);
    expect((await readdir(parent)).sort()).toEqual(['.shovel-old-999999999-svc-cccc', `.shovel-tmp-${process.pid}-svc-bbbb`]);
  });
});
