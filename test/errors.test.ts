/**
 * The table of error codes is the whole list: every code a source file names is in it, every
 * entry is used, and no code is built at run time (a template literal would escape both).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, StepError, UsageError } from '../src/errors.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

const outside = sources(SRC).filter((f) => f !== path.join(SRC, 'errors.ts'));
/** errors.ts itself, without the table: its classes use codes too (InterruptedError). */
const errorsOwn = readFileSync(path.join(SRC, 'errors.ts'), 'utf8').replace(/export const ERROR_CODES = \{[\s\S]*?\} as const;/, '');
const named = new Set(
  [...outside.map((f) => readFileSync(f, 'utf8')), errorsOwn].flatMap((text) => [...text.matchAll(/SHOVEL_ERR_[A-Z0-9_]+/g)].map((m) => m[0])),
);

describe('ERROR_CODES', () => {
  it('names every code the sources use, and only those', () => {
    expect([...named].filter((c) => !(c in ERROR_CODES)).sort()).toEqual([]);
    // SHOVEL_ERR_UNEXPECTED is given by the top-level handler to what is not a ShovelError.
    expect(Object.keys(ERROR_CODES).filter((c) => !named.has(c)).sort()).toEqual([]);
  });

  it('has no code built at run time', () => {
    const built = outside.filter((f) => /`SHOVEL_ERR_[A-Z0-9_]*\$\{/.test(readFileSync(f, 'utf8')));
    expect(built.map((f) => path.relative(SRC, f))).toEqual([]);
  });

  it('says what each code means', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^SHOVEL_ERR_[A-Z0-9_]+$/);
      expect(meaning.length, code).toBeGreaterThan(5);
    }
  });

  it('errors carry their code and exit code', () => {
    expect(new UsageError('SHOVEL_ERR_USAGE', 'x')).toMatchObject({ code: 'SHOVEL_ERR_USAGE', exitCode: 2 });
    expect(new StepError('SHOVEL_ERR_BUILD', 'Build', 'x')).toMatchObject({ code: 'SHOVEL_ERR_BUILD', exitCode: 1, step: 'Build' });
  });
});
