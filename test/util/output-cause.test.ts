/**
 * The cause of a failed command, told apart from the usage text and progress around it. The
 * npm output is npm's own: a real `npm ci` refusing a lockfile that lacks a dependency (it
 * fails before reaching any registry).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { failureCause, npmErrorLines } from '../../src/util/output-cause.js';
import { outOfSyncProject } from '../support/npm-fixture.js';

let npmOutput = '';

beforeAll(async () => {
  const dir = await outOfSyncProject();
  const failed = await promisify(execFile)('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir }).then(
    () => undefined,
    (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
  );
  if (failed === undefined) throw new Error('npm ci accepted a lockfile without is-number');
  npmOutput = failed;
}, 60_000);

describe('npmErrorLines', () => {
  it("keeps npm's reason and drops the usage text and log pointer", () => {
    expect(npmOutput).toContain('Usage:');
    const lines = npmErrorLines(npmOutput);
    expect(lines).toContain('npm error Missing: is-number@7.0.0 from lock file');
    expect(lines.some((l) => l.includes('can only install packages when your package.json and package-lock.json'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/Usage:|Options:|--install-strategy|aliases:|A complete log/);
    expect(lines.every((l) => l.trim() !== 'npm error')).toBe(true);
  });

  it('reads the same lines out of a BuildKit step (`#N seconds ` prefixes)', () => {
    const step = npmOutput
      .trimEnd()
      .split('\n')
      .map((line, i) => `#12 ${(1 + i / 100).toFixed(3)} ${line}`)
      .join('\n');
    expect(npmErrorLines(step)).toEqual(npmErrorLines(npmOutput));
  });
});

describe('failureCause', () => {
  it.each<[string, string, string | undefined]>([
    ['nothing recognisable', 'Step 1/3 : FROM x\nsomething odd\n', undefined],
    [
      'BuildKit failure line after npm errors',
      '#9 0.5 npm error Missing: a@1.0.0 from lock file\n#9 ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1\nERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1\n',
      'npm error Missing: a@1.0.0 from lock file\nERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1\nERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1',
    ],
    ['legacy builder', "npm ERR! code E404\nThe command '/bin/sh -c npm ci' returned a non-zero code: 1\n", "npm ERR! code E404\nThe command '/bin/sh -c npm ci' returned a non-zero code: 1"],
  ])('%s', (_name, output, expected) => {
    expect(failureCause(output)).toBe(expected);
  });
});
