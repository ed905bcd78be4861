import { describe, expect, it } from 'vitest';
import { compareVersions, isVersion, sortVersions } from '../../src/upgrade/version-order.js';

describe('compareVersions', () => {
  it.each([
    ['0.1.0', '0.2.0', -1],
    ['0.10.0', '0.9.9', 1],
    ['1.0.0', '1.0.0', 0],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-rc.2', '1.0.0-rc.10', -1],
    ['1.0.0-alpha', '1.0.0-1', 1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['2.0.0+build.5', '2.0.0', 0],
    ['v1.2.3', '1.2.3', 0],
  ])('%s vs %s: %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  it('refuses what is not a version', () => {
    expect(() => compareVersions('latest', '1.0.0')).toThrow('not a version: latest');
    expect(isVersion('1.2')).toBe(false);
  });

  it('sorts oldest first, dropping duplicates and non-versions', () => {
    expect(sortVersions(['0.10.0', '0.2.0', 'x', '0.2.0', '0.2.0-rc.1'])).toEqual(['0.2.0-rc.1', '0.2.0', '0.10.0']);
  });
});
