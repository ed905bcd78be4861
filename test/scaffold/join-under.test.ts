import fc from 'fast-check';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinUnder } from '../../src/scaffold/files.js';

describe('joinUnder', () => {
  it('gives what path.join gives, for any root and any file path', () => {
    const segment = fc.constantFrom('a', 'src', '.github', '..', '.', '', 'x.ts', '..x', '_y');
    const root = fc.oneof(fc.constantFrom('', '.', './', '/', '..', '/tmp/x', '/tmp/x/', 'rel', 'a/..', '//a//b'), fc.array(segment, { maxLength: 4 }).map((s) => s.join('/')));
    const file = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(root, file, (r, f) => {
        expect(joinUnder(r)(f)).toBe(path.join(r, f));
      }),
      { numRuns: 2000 },
    );
  });
});
