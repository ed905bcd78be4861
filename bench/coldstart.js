/**
 * 3. Cold start to ready: spawn of `node dist/main.js` until /health/ready answers 200, against
 * the bare Fastify server until its route answers 200. Alternating, fresh processes each run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median, ms, range, ratio } from './lib/stats.js';
import { startBare, startShovel } from './lib/servers.js';

const TARGET = 1.5;

/** @param {{ serviceDir: string, runs: number, log: (line: string) => void }} options */
export async function coldStart({ serviceDir, runs, log }) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'shovel-bench-cold-'));
  const start = { shovel: startShovel, bare: startBare };
  const times = { shovel: [], bare: [] };
  try {
    log(`cold start: ${runs} runs each, alternating`);
    // One unmeasured start each: the first read of node_modules from disk is not "cold start".
    for (const name of ['shovel', 'bare']) await (await start[name](serviceDir, path.join(tmp, `${name}.log`))).stop();
    for (let i = 0; i < runs; i += 1) {
      for (const name of i % 2 === 0 ? ['shovel', 'bare'] : ['bare', 'shovel']) {
        const server = await start[name](serviceDir, path.join(tmp, `${name}.log`));
        times[name].push(server.readyMs);
        await server.stop();
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const a = median(times.shovel);
  const b = median(times.bare);
  const r = ratio(a, b);
  return {
    rows: [
      {
        metric: `Cold start to ready (median of ${runs})`,
        shovel: ms(a),
        baseline: ms(b),
        ratio: r,
        target: `<= ${TARGET}x`,
        pass: r <= TARGET,
        command: 'spawn `node dist/main.js` -> GET /health/ready 200  vs  spawn `node bench/bare-server.js` -> GET /v1/hello?name=x 200 (polled every 2 ms)',
      },
    ],
    notes: [`Cold start: shovel ${range(times.shovel, ms)}, bare ${range(times.bare, ms)}.`],
    raw: times,
  };
}
