import { describe, expect, it } from 'vitest';
import { CONTROL_FLAGS, createHelp, parseCreateArgs } from '../../src/inputs/options.js';
import { INPUTS } from '../../src/inputs/schema.js';

describe('parseCreateArgs', () => {
  it('maps schema flags to input keys and reads control flags', () => {
    const o = parseCreateArgs(['svc', '--public-host', 'a.example.com', '--port=9000', '-y', '--no-git', '--json']);
    expect(o.directory).toBe('svc');
    expect(o.flags).toEqual({ publicHost: 'a.example.com', port: '9000' });
    expect(o).toMatchObject({ yes: true, git: false, install: true, json: true, dryRun: false });
  });

  it('refuses unknown flags and extra positionals with exit code 2', () => {
    expect(() => parseCreateArgs(['--nope'])).toThrow(/^unknown flag --nope$/);
    expect(() => parseCreateArgs(['a', 'b'])).toThrow(/one target directory/);
  });
});

describe('parseCreateArgs: did you mean', () => {
  it.each([
    ['--nmae', '--name'],
    ['--prot', '--port'],
    ['--no-instal', '--no-install'],
    ['--dryrun', '--dry-run'],
    ['--marathon-ur=http://x', '--marathon-url'],
  ])('%s -> %s', (typed, meant) => {
    expect(() => parseCreateArgs([typed])).toThrow(`unknown flag ${typed.split('=')[0]}: did you mean ${meant}?`);
  });
});

describe('createHelp', () => {
  const help = createHelp('1.2.3', 200);
  it('wraps to the terminal width, continuing under the text column', () => {
    const narrow = createHelp('1.2.3', 60).split('\n');
    expect(narrow.every((line) => line.length <= 60)).toBe(true);
    const at = narrow.findIndex((line) => line.startsWith('  --public-host TEXT'));
    const column = narrow[at]!.indexOf('host name');
    expect(narrow[at + 1]!.slice(0, column).trim()).toBe('');
  });
  it('lists every input flag with its default, from the schema', () => {
    for (const input of INPUTS) expect(help).toContain(`--${input.flag} `);
    expect(help).toMatch(/--port N\s+.*\(default: 8080\)/);
    expect(help).toMatch(/--cpus NUM\s+.*\(default: 0.25\)/);
  });
  it('lists every control flag, negatable ones as --no-', () => {
    for (const c of CONTROL_FLAGS) expect(help).toContain('default' in c && c.default ? `--no-${c.flag}` : `--${c.flag}`);
  });
});
