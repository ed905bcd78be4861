import { execa } from 'execa';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CREATE_BIN, tempDir } from '../support/cli.js';

/** Every file under dir except .git internals, sorted. */
async function files(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (rel === '.git') continue;
    if (entry.isDirectory()) out.push(...(await files(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

async function gitEnv() {
  const home = await tempDir('shovel-home-');
  return { HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(home, 'none'), CI: undefined, NO_COLOR: '1' };
}

function start(cwd: string, name: string, env: Record<string, string | undefined>) {
  return execa('node', [CREATE_BIN, name, '--yes', '--no-install'], { cwd, env, reject: false, stdin: 'ignore' });
}

/** The cwd holds nothing but temporaries, or the complete target with its first commit. */
async function assertNoPartialTarget(cwd: string, name: string, expected: string[], env: Record<string, string | undefined>) {
  const entries = (await readdir(cwd)).filter((e) => !e.startsWith('.shovel-tmp-'));
  if (!entries.includes(name)) return 'absent';
  expect(await files(path.join(cwd, name))).toEqual(expected);
  const head = await execa('git', ['rev-parse', 'HEAD'], { cwd: path.join(cwd, name), env, reject: false });
  expect(head.exitCode, `${name} is complete but has no commit`).toBe(0);
  return 'complete';
}

// Random points across the whole run: module loading, rendering, writing, git, the rename.
const delays = (n: number, max: number) => Array.from({ length: n }, () => Math.floor(Math.random() * max));

describe('create-shovel interrupted at random points', () => {
  it('SIGINT: exit 130, never a partial target, no temporary left behind', async () => {
    const env = await gitEnv();
    const ref = await tempDir();
    const done = await start(ref, 'svc', env);
    expect(done.exitCode, done.all).toBe(0);
    const expected = await files(path.join(ref, 'svc'));
    const outcomes: string[] = [];
    for (const delay of delays(12, 450)) {
      const cwd = await tempDir();
      const child = start(cwd, 'svc', env);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGINT');
      const result = await child;
      if (result.exitCode !== 0) {
        // Before the handler is installed the default action ends node by the signal itself.
        expect(result.exitCode === 130 || result.signal === 'SIGINT', `delay ${delay}: ${result.exitCode} ${result.signal}`).toBe(true);
      }
      outcomes.push(await assertNoPartialTarget(cwd, 'svc', expected, env));
      expect((await readdir(cwd)).filter((e) => e.startsWith('.shovel-tmp-'))).toEqual([]);
    }
    expect(outcomes.length).toBe(12);
  });

  it('SIGKILL: never a partial target; the next run removes what the killed ones left', async () => {
    const env = await gitEnv();
    const ref = await tempDir();
    expect((await start(ref, 'svc', env)).exitCode).toBe(0);
    const expected = await files(path.join(ref, 'svc'));
    const cwd = await tempDir();
    let i = 0;
    for (const delay of delays(12, 450)) {
      i += 1;
      const child = start(cwd, `svc-${i}`, env);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await child;
      await assertNoPartialTarget(cwd, `svc-${i}`, expected.map((f) => f), env);
    }
    const next = await start(cwd, 'after', env);
    expect(next.exitCode, next.all).toBe(0);
    expect((await readdir(cwd)).filter((e) => e.startsWith('.shovel-tmp-'))).toEqual([]);
  });
});
