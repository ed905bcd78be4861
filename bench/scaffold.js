/**
 * 1. Scaffold time: whole `create-shovel --yes` processes (no install, no git) against
 * create-vite generating its vanilla TypeScript template, alternating A/B, wall time from
 * spawn to exit. `node -e 0` runs in the same loop: the floor both pay.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median, ms, range, ratio } from './lib/stats.js';
import { timeProcess } from './lib/proc.js';
import { CREATE_BIN, ROOT } from './lib/service.js';

const VITE_BIN = path.join(ROOT, 'node_modules', 'create-vite', 'index.js');
/** The target: no slower than create-vite, while writing several times its files. */
const TARGET = 1;

/** Files and bytes under `dir`. */
async function countFiles(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += (await stat(path.join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return { files, bytes };
}

const CREATION_ROUNDS = 7;

/**
 * What the file system alone charges for creating `counts[i]` empty files in a new directory
 * under `parent`, alternating: the part of a scaffold that grows with the number of files
 * whatever the tool does.
 * @param {string} parent @param {number[]} counts @returns {Promise<number[]>} median ms per count
 */
async function creationCost(parent, counts) {
  /** @type {number[][]} */
  const times = counts.map(() => []);
  for (let round = 0; round < CREATION_ROUNDS; round += 1) {
    for (const [i, count] of counts.entries()) {
      const dir = path.join(parent, `create-${round}-${i}`);
      const started = performance.now();
      mkdirSync(dir);
      for (let f = 0; f < count; f += 1) writeFileSync(path.join(dir, `f${f}`), '');
      times[i].push(performance.now() - started);
      await rm(dir, { recursive: true, force: true });
    }
  }
  return times.map(median);
}

/** @param {{ runs: number, log: (line: string) => void }} options */
export async function scaffold({ runs, log }) {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'shovel-bench-scaffold-'));
  // The same environment for both; CI=true so that neither could decide to prompt.
  const env = { ...process.env, CI: 'true' };
  const shovelArgs = (dir) => [CREATE_BIN, dir, '--yes', '--no-git', '--no-install'];
  const viteArgs = (dir) => [VITE_BIN, dir, '--template', 'vanilla-ts', '--no-interactive', '--no-immediate', '--overwrite'];
  const candidates = {
    shovel: (dir) => timeProcess(process.execPath, shovelArgs(dir), { cwd: parent, env }),
    vite: (dir) => timeProcess(process.execPath, viteArgs(dir), { cwd: parent, env }),
    node: () => timeProcess(process.execPath, ['-e', '0'], { cwd: parent, env }),
  };
  /** @type {Record<string, number[]>} */
  const times = { shovel: [], vite: [], node: [] };
  try {
    // Warm-up (file cache, compile cache), then count what each one writes.
    await candidates.shovel('warm-shovel');
    await candidates.vite('warm-vite');
    const counts = { shovel: await countFiles(path.join(parent, 'warm-shovel')), vite: await countFiles(path.join(parent, 'warm-vite')) };

    log(`scaffold: ${runs} runs each, alternating`);
    for (let i = 0; i < runs; i += 1) {
      // Alternate which one goes first, so neither always follows the other.
      const order = i % 2 === 0 ? ['shovel', 'vite', 'node'] : ['vite', 'shovel', 'node'];
      for (const name of order) {
        const dir = `${name}-${i}`;
        times[name].push(await candidates[name](dir));
        await rm(path.join(parent, dir), { recursive: true, force: true });
      }
    }
    const a = median(times.shovel);
    const b = median(times.vite);
    const r = ratio(a, b);
    const creating = await creationCost(parent, [counts.shovel.files, counts.vite.files]);
    return {
      rows: [
        {
          metric: `Scaffold time, whole process (median of ${runs})`,
          shovel: `${ms(a)} (${counts.shovel.files} files, ${(counts.shovel.bytes / 1024).toFixed(0)} KiB)`,
          baseline: `${ms(b)} (${counts.vite.files} files, ${(counts.vite.bytes / 1024).toFixed(0)} KiB)`,
          ratio: r,
          target: `<= ${TARGET.toFixed(1)}x`,
          pass: r <= TARGET,
          command: `node bin/create-shovel.cjs DIR --yes --no-git --no-install  vs  node node_modules/create-vite/index.js DIR --template vanilla-ts --no-interactive --no-immediate --overwrite`,
        },
      ],
      notes: [
        `Scaffold: shovel ${range(times.shovel, ms)}, create-vite ${range(times.vite, ms)}; \`node -e 0\` alone (the floor of both) median ${ms(median(times.node))}.` +
          ` Above that floor: shovel ${ms(a - median(times.node))}, create-vite ${ms(b - median(times.node))}.`,
        `Creating as many empty files alone, in this process and in the same parent directory (median of ${CREATION_ROUNDS}):` +
          ` ${counts.shovel.files} files ${ms(creating[0])}, ${counts.vite.files} files ${ms(creating[1])}.`,
      ],
      raw: times,
    };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}
