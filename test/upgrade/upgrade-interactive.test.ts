/**
 * `shovel upgrade` in a terminal: an input the service's record lacks (as a record written
 * before that input existed does) is asked for with create-shovel's prompt, then rendered.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INPUTS } from '../../src/inputs/schema.js';
import { obtainTemplate } from '../../src/upgrade/obtain.js';
import { ROOT, SHOVEL_BIN, tempDir } from '../support/cli.js';
import { Pty, ptyAvailable } from '../support/pty.js';
import { generateService, git, makePackages, OLD } from './packages.js';

const missing = ptyAvailable();
if (missing && process.env.CI === 'true') throw new Error(`shovel upgrade interactive tests ${missing}`);
const SELF = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe.skipIf(missing)(`shovel upgrade in a terminal${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cache: string;
  let pty: Pty | undefined;
  beforeAll(async () => {
    ({ cache } = await makePackages());
  }, 120_000);
  afterEach(() => pty?.kill());

  it('asks for an input the record does not have, and renders the answer', async () => {
    const old = await obtainTemplate(OLD, { cache });
    const dir = await generateService(old.root, await tempDir('shovel-upgrade-tty-'), 'orders');
    const file = path.join(dir, '.shovel', 'answers.json');
    const record = JSON.parse(await readFile(file, 'utf8')) as { answers: Record<string, unknown> };
    delete record.answers.publicHost;
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    await git(dir, 'commit', '--quiet', '-am', 'a record from before publicHost');

    const prompt = INPUTS.find((i) => i.key === 'publicHost')!.message;
    pty = new Pty(`node ${SHOVEL_BIN} upgrade --to ${SELF}`, { cwd: dir, env: { SHOVEL_CACHE_DIR: cache } });
    await pty.answer(prompt, 'orders.example.com');
    expect(await pty.exited).toBe(0);
    expect(pty.screen).toContain(`✔ orders: create-shovel ${OLD} -> ${SELF}: merged cleanly`);
    expect(pty.screen).toContain('New inputs');
    expect(pty.screen).toContain('publicHost = "orders.example.com"');
    // Only that one: every other input came from the record.
    for (const input of INPUTS.filter((i) => i.key !== 'publicHost')) expect(pty.screen).not.toContain(input.message);
    expect(await readFile(path.join(dir, 'shovel.yml'), 'utf8')).toMatch(/^publicHost: "?orders\.example\.com"?$/m);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: SELF, answers: { publicHost: 'orders.example.com' } });
  }, 60_000);
});
