/**
 * Installing a generated service: `npm ci` from its lockfile, and a refusal reported with
 * npm's reason and the package it names (real npm; it refuses before reaching a registry).
 */
import { describe, expect, it } from 'vitest';
import { StepError } from '../../src/errors.js';
import { install, installNote, INSTALL_STEP } from '../../src/scaffold/install.js';
import { outOfSyncProject } from '../support/npm-fixture.js';

describe('install', () => {
  it('reports a lockfile npm ci refuses: the package, npm\'s reason, no usage text', async () => {
    const error = await install(await outOfSyncProject()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepError);
    const e = error as StepError;
    expect(e.step).toBe(INSTALL_STEP);
    expect(e.code).toBe('SHOVEL_ERR_INSTALL');
    expect(e.message).toBe('npm ci refused the pinned lockfile: is-number@7.0.0 missing from it.');
    expect(e.command).toBe('npm ci --prefer-offline --no-audit --no-fund');
    expect(e.outputTail).toContain('Missing: is-number@7.0.0 from lock file');
    expect(e.outputTail).not.toContain('Usage:');
  }, 60_000);

  it.each<[string, RegExp | undefined]>([
    ['npm', undefined],
    ['pnpm', /with npm ci, not pnpm: the pinned tree is an npm lockfile.*pnpm import/],
    ['yarn', /with npm ci, not yarn/],
  ])('a note when %s ran create-shovel', (pm, note) => {
    const text = installNote(pm as 'npm' | 'pnpm' | 'yarn');
    if (note) expect(text).toMatch(note);
    else expect(text).toBeUndefined();
  });
});
