/**
 * `shovel fleet` through the built bin over three services on three create-shovel versions:
 * OLD and NEXT from a package cache of real packages (see packages.ts), and this checkout's
 * own; one with local edits and a release record. Offline.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendReleaseLog, startRecord } from '../../src/release/record.js';
import { obtainTemplate } from '../../src/upgrade/obtain.js';
import { runShovel } from '../release/helpers.js';
import { ROOT, tempDir } from '../support/cli.js';
import { generateService, makePackages, NEXT, OLD } from './packages.js';

const SELF = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let cache: string;
let parent: string;
let notAService: string;

beforeAll(async () => {
  ({ cache } = await makePackages());
  parent = await tempDir('shovel-fleet-');
  const [oldPkg, nextPkg] = await Promise.all([obtainTemplate(OLD, { cache }), obtainTemplate(NEXT, { cache })]);
  const orders = await generateService(oldPkg.root, parent, 'orders', ['--team', 'payments', '--no-git']);
  await generateService(ROOT, parent, 'billing', ['--team', 'finance', '--no-git']);
  await generateService(nextPkg.root, parent, 'search', ['--team', 'discovery', '--no-git']);
  // orders: two template files edited, one deleted, a file of its own, and a release.
  const readme = path.join(orders, 'README.md');
  await writeFile(readme, `${await readFile(readme, 'utf8')}\nOn call: #payments.\n`);
  const yml = path.join(orders, 'shovel.yml');
  await writeFile(yml, (await readFile(yml, 'utf8')).replace(/instances: \d+/, 'instances: 4'));
  await rm(path.join(orders, 'test', 'metrics.test.ts'));
  await writeFile(path.join(orders, 'src', 'orders.ts'), 'export const ORDERS = [];\n');
  const record = startRecord('release', 'docker', new Date('2026-11-30T12:00:00Z'));
  Object.assign(record, { outcome: 'healthy', service: 'orders', finishedAt: '2026-11-30T12:00:21.000Z' });
  record.image = { repository: '127.0.0.1:5000/orders', tag: '0.1.0-abc1234', ref: '127.0.0.1:5000/orders:0.1.0-abc1234' };
  await appendReleaseLog(orders, record);
  notAService = await tempDir('shovel-not-a-service-');
}, 120_000);

const env = () => ({ SHOVEL_CACHE_DIR: cache });

describe('shovel fleet', () => {
  it('one Markdown table: team, template version, versions behind, local edits of template files, last release', async () => {
    const run = await runShovel(['fleet', 'orders', 'billing', 'search', notAService], { cwd: parent, env: env() });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      '| service | team | template | version | behind | local edits of template files | last release |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| orders | payments | service | ${OLD} | 2 (newest ${NEXT}) | 3: README.md, shovel.yml, test/metrics.test.ts (deleted) | 0.1.0-abc1234 healthy (docker, 2026-11-30) |`,
      `| billing | finance | service | ${SELF} | 1 (newest ${NEXT}) | none | none |`,
      `| search | discovery | service | ${NEXT} | 0 | none | none |`,
      `| ${notAService} |  |  |  |  |  | error: ${notAService} has no .shovel/answers.json: ENOENT. |`,
      '',
      `Newest known create-shovel version: ${NEXT} (known: ${OLD}, ${SELF}, ${NEXT}).`,
    ]);
  }, 60_000);

  it('--json, with the services listed in a file (# comments, paths relative to it)', async () => {
    const list = path.join(parent, 'services.txt');
    await writeFile(list, '# the payments fleet\norders\n\nsearch   # new\n');
    const run = await runShovel(['fleet', '--from', list, '--json'], { cwd: await tempDir(), env: env() });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { newest: string; known: string[]; services: Record<string, unknown>[] };
    expect(report.newest).toBe(NEXT);
    expect(report.known).toEqual([OLD, SELF, NEXT]);
    expect(report.services).toEqual([
      {
        dir: path.join(parent, 'orders'),
        service: 'orders',
        team: 'payments',
        template: 'service',
        version: OLD,
        behind: [SELF, NEXT],
        localEdits: { modified: ['README.md', 'shovel.yml'], deleted: ['test/metrics.test.ts'] },
        lastRelease: { kind: 'release', outcome: 'healthy', target: 'docker', tag: '0.1.0-abc1234', at: '2026-11-30T12:00:21.000Z' },
      },
      {
        dir: path.join(parent, 'search'),
        service: 'search',
        team: 'discovery',
        template: 'service',
        version: NEXT,
        behind: [],
        localEdits: { modified: [], deleted: [] },
        lastRelease: null,
      },
    ]);
  }, 60_000);

  it('a version that cannot be obtained: local edits unknown, the rest still reported', async () => {
    const empty = await tempDir('shovel-empty-cache-');
    const run = await runShovel(['fleet', 'orders', '--json'], { cwd: parent, env: { SHOVEL_CACHE_DIR: empty, npm_config_offline: 'true', npm_config_cache: path.join(empty, 'npm') } });
    expect(run.exitCode, run.stderr).toBe(0);
    const [row] = (JSON.parse(run.stdout) as { services: Record<string, unknown>[] }).services;
    expect(row).toMatchObject({ service: 'orders', version: OLD, behind: [SELF], localEdits: null });
    expect(row!.localEditsError).toContain(`create-shovel@${OLD} is not installed, not in the package cache`);
  }, 60_000);

  it('no directories: exit 2', async () => {
    const run = await runShovel(['fleet'], { cwd: parent, env: env() });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('shovel fleet needs service directories');
  });
});
