import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonText, VALUE_HELPERS } from '../../src/scaffold/helpers.js';
import { fillPrinted, lockfileData, prepareLockfile } from '../../src/scaffold/lockfile-text.js';
import { lockfileFor } from '../../src/versions.js';

/** What `{{jsonBlock lockfile 0}}` prints for a template's `lockfile`. */
const printed = (value: unknown) => VALUE_HELPERS.jsonBlock!(value, 0);

describe('the lockfile made ahead by the build', () => {
  it('prints, for any service name and version, what the pinned lockfile object prints', () => {
    const { printed: text } = prepareLockfile();
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,62}$/);
    const version = fc.oneof(fc.constant('0.1.0'), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(name, version, (n, v) => {
        expect(printed(new JsonText(fillPrinted(text, n, v)))).toBe(printed(lockfileFor(n, v)));
      }),
      { numRuns: 200 },
    );
  });

  it('is what a run uses, and prints the same as the object', () => {
    const data = lockfileData('orders', '0.1.0');
    expect(printed(data)).toBe(printed(lockfileFor('orders', '0.1.0')));
  });

  it('jsonBlock indents text made ahead as it indents a value', () => {
    const value = { a: [1, { b: 'c' }] };
    for (const indent of [0, 2, 4]) {
      expect(VALUE_HELPERS.jsonBlock!(new JsonText(JSON.stringify(value, null, 2)), indent)).toBe(VALUE_HELPERS.jsonBlock!(value, indent));
    }
  });
});
