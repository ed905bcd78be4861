import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CREATE_BIN, tempDir } from '../support/cli.js';
import { Pty, ptyAvailable } from '../support/pty.js';

const missing = ptyAvailable();
if (missing && process.env.CI === 'true') throw new Error(`create-shovel interactive tests ${missing}`);

describe.skipIf(missing)(`create-shovel in a terminal${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let pty: Pty | undefined;
  afterEach(() => pty?.kill());

  it('asks for what flags did not give, shows defaults, re-asks on bad input, and records the answers', async () => {
    const cwd = await tempDir();
    pty = new Pty(`node ${CREATE_BIN} --no-install --no-git --port 9100`, { cwd });
    await pty.answer('Service name', 'billing');
    await pty.answer('Description (The billing service.)', '');
    await pty.answer('Owning team (platform)', 'payments');
    // --port was given: the port is not asked.
    await pty.answer('Public URL host', 'not a host');
    await pty.waitFor(/Public URL host.*must be a lowercase DNS host name/s);
    pty.send('\u0015'); // Ctrl-U clears the line
    await pty.answer('must be a lowercase DNS host name', 'billing.example.com');
    await pty.answer('CPUs per instance (0.25)', '0.5');
    await pty.answer('Memory per instance (MiB) (256)', '');
    await pty.answer('Instances (2)', '3');
    await pty.answer('Image registry/repository prefix (127.0.0.1:5000)', '');
    await pty.answer('Marathon URL', '');
    await pty.answer('Marathon group (/)', '/payments');
    await pty.answer('Node base image', '');
    expect(await pty.exited).toBe(0);
    expect(pty.screen).not.toContain('HTTP port');
    expect(pty.screen).toContain('Created billing');
    const { answers } = JSON.parse(await readFile(path.join(cwd, 'billing/.shovel/answers.json'), 'utf8'));
    expect(answers).toMatchObject({
      name: 'billing',
      description: 'The billing service.',
      team: 'payments',
      port: 9100,
      publicHost: 'billing.example.com',
      cpus: 0.5,
      memory: 256,
      instances: 3,
      marathonGroup: '/payments',
    });
  });

  it('Ctrl-C at a prompt exits 130 with a clean message and writes nothing', async () => {
    const cwd = await tempDir();
    pty = new Pty(`node ${CREATE_BIN} --no-install --no-git`, { cwd });
    await pty.answer('Service name', 'orders');
    await pty.waitFor('Description');
    pty.send('\u0003');
    expect(await pty.exited).toBe(130);
    expect(pty.screen).toContain('nothing was written');
    expect(pty.screen).not.toContain('undefined');
    expect(pty.screen).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(await readdir(cwd)).toEqual([]);
  });

  it('at a number prompt, Backspace erases a rejected value', async () => {
    const cwd = await tempDir();
    pty = new Pty(`node ${CREATE_BIN} --no-install --no-git`, { cwd });
    await pty.answer('Service name', 'numbers');
    await pty.answer('Description', '');
    await pty.answer('Owning team', '');
    await pty.answer('HTTP port (8080)', '80');
    await pty.waitFor(/HTTP port must be a whole number from 1024 to 65535/);
    pty.send('\u007f\u007f'); // two Backspaces erase "80"
    pty.send('8080\r');
    await pty.answer('Public URL host', '');
    for (const prompt of ['CPUs per instance', 'Memory per instance', 'Instances', 'Image registry', 'Marathon URL', 'Marathon group', 'Node base image']) {
      await pty.answer(prompt, '');
    }
    expect(await pty.exited).toBe(0);
    const { answers } = JSON.parse(await readFile(path.join(cwd, 'numbers/.shovel/answers.json'), 'utf8'));
    expect(answers.port).toBe(8080);
  });

  it('--yes in a terminal never prompts', async () => {
    const cwd = await tempDir();
    pty = new Pty(`node ${CREATE_BIN} quick --yes --no-install --no-git`, { cwd });
    expect(await pty.exited).toBe(0);
    expect(pty.screen).not.toContain('?');
    expect(await readdir(cwd)).toEqual(['quick']);
  });
});
