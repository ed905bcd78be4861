/**
 * 5. Install of the generated service: `npm ci` with a warm npm cache, from its package.json
 * and pinned lockfile alone (a fresh clone), against the same for fastify-cli's generated app
 * (its package.json and the lockfile its first `npm install` wrote). Alternating rounds,
 * wall time from spawn to exit; node_modules measured as disk usage (`du -sk`) after the
 * install.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median, ms, range, ratio } from './lib/stats.js';
import { run } from './lib/proc.js';

/** node_modules of the service at most this many MB (10^6 bytes of disk)... */
const SIZE_TARGET_MB = 120;
/** ...and its `npm ci` no slower than the fastify-cli app's. */
const TIME_TARGET = 1;

const NPM_CI = ['ci', '--prefer-offline', '--no-audit', '--no-fund'];

/** Disk usage of `dir` in bytes, as `du -sk` counts it (blocks, hard links once). */
async function diskUsage(dir) {
  const { stdout } = await run('du', ['-sk', dir]);
  return Number(stdout.split('\t')[0]) * 1024;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;

/**
 * @param {{ serviceDir: string, fastifyCli?: { dir?: string, error?: string }, rounds: number,
 *   log: (line: string) => void }} options
 */
export async function installSize({ serviceDir, fastifyCli, rounds, log }) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'shovel-bench-install-'));
  const subjects = { shovel: serviceDir, ...(fastifyCli?.dir ? { 'fastify-cli': fastifyCli.dir } : {}) };
  /** @type {Record<string, number[]>} */
  const times = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
  /** @type {Record<string, number>} */
  const sizes = {};
  try {
    log(`install: npm ci of ${Object.keys(subjects).join(', ')}, ${rounds} alternating rounds (warm npm cache)`);
    // One unmeasured install each: it fills the npm cache with both trees.
    for (let i = -1; i < rounds; i += 1) {
      const names = Object.keys(subjects);
      for (const name of i % 2 === 0 ? names : [...names].reverse()) {
        const dir = path.join(tmp, `${name}-${i + 1}`);
        await mkdir(dir);
        for (const file of ['package.json', 'package-lock.json']) await copyFile(path.join(subjects[name], file), path.join(dir, file));
        const { ms: took } = await run('npm', NPM_CI, { cwd: dir, timeoutMs: 300_000 });
        if (i >= 0) times[name].push(took);
        sizes[name] = await diskUsage(path.join(dir, 'node_modules'));
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const a = median(times.shovel);
  const command = `cp package.json package-lock.json to an empty DIR; cd DIR && npm ${NPM_CI.join(' ')} (warm npm cache; ${rounds} alternating rounds after one unmeasured each, median); du -sk node_modules`;
  const hasCli = times['fastify-cli'] !== undefined;
  const b = hasCli ? median(times['fastify-cli']) : Number.NaN;
  const rows = [
    hasCli
      ? {
          metric: `Install: npm ci of the service vs fastify-cli app (median of ${rounds})`,
          shovel: ms(a),
          baseline: ms(b),
          ratio: ratio(a, b),
          target: `<= ${TIME_TARGET.toFixed(1)}x`,
          pass: ratio(a, b) <= TIME_TARGET,
          command,
        }
      : { metric: 'Install: npm ci of the service vs fastify-cli app', skipped: `FAILED: ${fastifyCli?.error ?? 'no fastify-cli app'}`, command },
    {
      metric: 'Install: node_modules of the service (du)',
      shovel: mb(sizes.shovel),
      baseline: hasCli ? `${mb(sizes['fastify-cli'])} (fastify-cli app)` : 'none (absolute target)',
      ratio: hasCli ? ratio(sizes.shovel, sizes['fastify-cli']) : undefined,
      target: `<= ${SIZE_TARGET_MB} MB`,
      pass: sizes.shovel / 1e6 <= SIZE_TARGET_MB,
      command,
    },
  ];
  return {
    rows,
    notes: [`Install: ${Object.keys(times).map((name) => `${name} ${range(times[name], ms)}`).join(', ')}; MB are 10^6 bytes of disk usage.`],
  };
}
