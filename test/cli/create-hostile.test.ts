import fc from 'fast-check';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { multiLineText, serviceName, singleLineText } from '../../src/inputs/rules.js';
import { createShovel, tempDir } from '../support/cli.js';

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await walk(dir, rel)));
    else out.push(rel);
  }
  return out;
}

/** Every JSON, YAML and TypeScript file of the tree parses; returns them parsed. */
async function parseTree(root: string) {
  const parsed: Record<string, unknown> = {};
  for (const file of await walk(root)) {
    const text = await readFile(path.join(root, file), 'utf8');
    if (file.endsWith('.json')) parsed[file] = JSON.parse(text);
    else if (/\.ya?ml$/.test(file)) parsed[file] = parseYaml(text);
    else if (file.endsWith('.ts')) {
      const { program, errors } = parseSync(file, text);
      expect(errors, `${file} does not parse`).toEqual([]);
      parsed[file] = program;
    }
  }
  return parsed;
}

function stringConst(program: any, name: string): string {
  for (const stmt of program.body) {
    const decl = stmt.declaration?.declarations?.find((d: any) => d.id.name === name);
    if (decl) return decl.init.value;
  }
  throw new Error(`no const ${name}`);
}

const QUIET = ['--yes', '--no-install', '--no-git'];
const hostileUnit = fc.constantFrom(
  'a', 'Z', '-', '_', '.', '/', '\\', '..', '"', "'", '`', '{{', '}}', '${', '</script>', '\n', '\t', '\r', '\u0000', '\u0007', '\u001b',
  '\u007f', '\u0085', '🚀', 'é', ' ', '#', ':', '&', '%', '$(id)',
);
const hostile = fc.oneof(fc.string({ unit: hostileUnit, minLength: 1, maxLength: 12 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }));
// Argv cannot carry NUL; everything else reaches the program as typed.
const arg = hostile.filter((s) => !s.includes('\u0000'));
const RUNS = Number(process.env.SHOVEL_PROPERTY_RUNS) || 20;

describe('create-shovel with hostile inputs (built bin)', () => {
  it('names: invalid ones exit 2 with nothing on disk; valid ones generate', async () => {
    const names = fc.oneof(
      arg,
      fc.constantFrom('../x', '/etc/passwd', 'Orders', 'http', 'node_modules', 'a'.repeat(64), 'a'.repeat(63), 'ok-name', 'x-versions'),
    );
    await fc.assert(
      fc.asyncProperty(names, async (name) => {
        const cwd = await tempDir();
        // `--flag=value`: a value that starts with a dash is taken as a flag otherwise, as with any CLI.
        const r = await createShovel(['svc', `--name=${name}`, ...QUIET], { cwd });
        if (serviceName(name) === undefined) {
          expect(r.exitCode, r.all).toBe(0);
          const tree = await parseTree(path.join(cwd, 'svc'));
          expect((tree['package.json'] as { name: string }).name).toBe(name);
        } else {
          expect(r.exitCode, r.all).toBe(2);
          expect(r.stderr).toContain('--name:');
          expect(await readdir(cwd)).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('free text: valid descriptions and teams round-trip through every file; invalid ones write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(arg, arg, async (description, team) => {
        const cwd = await tempDir();
        const r = await createShovel(['svc', `--description=${description}`, `--team=${team}`, ...QUIET], { cwd });
        const valid = multiLineText(500)(description) === undefined && singleLineText(64)(team) === undefined;
        if (!valid) {
          expect(r.exitCode, r.all).toBe(2);
          expect(await readdir(cwd)).toEqual([]);
          return;
        }
        expect(r.exitCode, r.all).toBe(0);
        const tree = await parseTree(path.join(cwd, 'svc'));
        expect((tree['package.json'] as { description: string }).description).toBe(description);
        const yml = tree['shovel.yml'] as { service: { description: string; team: string } };
        expect(yml.service).toMatchObject({ description, team });
        expect((tree['.shovel/answers.json'] as { answers: object }).answers).toMatchObject({ description, team });
        expect(stringConst(tree['src/service.ts'], 'OWNING_TEAM')).toBe(team);
      }),
      { numRuns: RUNS },
    );
  });
});
