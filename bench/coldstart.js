/**
 * 3. Cold start to ready: spawn of `node dist/main.js` until /health/ready and then its route
 * answer 200, against the bare Fastify server and the fastify-cli app until their route answers
 * 200. Alternating, fresh processes each run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median, ms, range, ratio } from './lib/stats.js';
import { FASTIFY_CLI_START, NEST_START, startBare, startFastifyCli, startNest, startShovel } from './lib/servers.js';

/** Spawn to ready no slower than the bare Fastify hello world with its logger on. */
const TARGET = 1;
const SHOVEL_COMMAND = 'spawn `node dist/main.js` -> GET /health/ready 200, then GET /v1/hello?name=x 200';

/** The order of round `i`: rotated, so no subject always runs first. */
function rotation(names, i) {
  const shift = i % names.length;
  return [...names.slice(shift), ...names.slice(0, shift)];
}

/**
 * @param {{ serviceDir: string, fastifyCli?: { dir?: string, error?: string },
 *   nest?: { appDir?: string, error?: string }, runs: number, log: (line: string) => void }} options
 *   fastifyCli, nest: the prepared baseline apps, or why there is none (their rows then say FAILED)
 */
export async function coldStart({ serviceDir, fastifyCli, nest, runs, log }) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'shovel-bench-cold-'));
  /** @type {Record<string, (logFile: string) => ReturnType<typeof startBare>>} */
  const start = { shovel: (file) => startShovel(serviceDir, file), bare: (file) => startBare(serviceDir, file) };
  let startError;
  if (fastifyCli?.dir) {
    const dir = fastifyCli.dir;
    start['fastify-cli'] = (file) => startFastifyCli(dir, file);
  }
  let nestError;
  if (nest?.appDir) {
    const dir = nest.appDir;
    start.nest = (file) => startNest(dir, file);
  }
  /** @type {Record<string, number[]>} */
  const times = Object.fromEntries(Object.keys(start).map((name) => [name, []]));
  try {
    log(`cold start: ${runs} runs each of ${Object.keys(start).join(', ')}, alternating`);
    // One unmeasured start each: the first read of node_modules from disk is not "cold start".
    for (const name of Object.keys(start)) {
      try {
        await (await start[name](path.join(tmp, `${name}.log`))).stop();
      } catch (error) {
        if (name === 'fastify-cli') startError = `the fastify-cli app did not start: ${error.message}`;
        else if (name === 'nest') nestError = `the NestJS starter did not start: ${error.message}`;
        else throw error;
        delete start[name];
      }
    }
    for (let i = 0; i < runs; i += 1) {
      for (const name of rotation(Object.keys(start), i)) {
        const server = await start[name](path.join(tmp, `${name}.log`));
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
  const rows = [
    {
      metric: `Cold start to ready (median of ${runs})`,
      shovel: ms(a),
      baseline: ms(b),
      ratio: r,
      target: `<= ${TARGET.toFixed(1)}x`,
      pass: r <= TARGET,
      command: `${SHOVEL_COMMAND}  vs  spawn \`node bench/bare-server.js\` -> GET /v1/hello?name=x 200 (polled every 2 ms)`,
    },
  ];
  const metric = `Cold start to first 200 vs fastify-cli app (median of ${runs})`;
  if (start['fastify-cli']) {
    const c = median(times['fastify-cli']);
    rows.push({
      metric,
      shovel: ms(a),
      baseline: ms(c),
      ratio: ratio(a, c),
      target: 'report',
      pass: undefined,
      command: `${SHOVEL_COMMAND}  vs  spawn \`${FASTIFY_CLI_START}\` in the fastify-cli app -> GET /v1/hello?name=x 200 (polled every 2 ms)`,
    });
  } else {
    rows.push({ metric, skipped: `FAILED: ${reason(startError ?? fastifyCli?.error ?? 'no fastify-cli app')}` });
  }
  const nestMetric = `Cold start to first 200 vs NestJS starter (median of ${runs})`;
  if (start.nest) {
    const n = median(times.nest);
    rows.push({
      metric: nestMetric,
      shovel: ms(a),
      baseline: ms(n),
      ratio: ratio(a, n),
      target: 'report',
      pass: undefined,
      command: `${SHOVEL_COMMAND}  vs  spawn \`${NEST_START}\` in the NestJS starter -> GET /v1/hello?name=x 200 (polled every 2 ms)`,
    });
  } else if (nest) {
    rows.push({ metric: nestMetric, skipped: `FAILED: ${reason(nestError ?? nest.error ?? 'no NestJS starter')}` });
  }
  const spread = Object.keys(start).map((name) => `${name} ${range(times[name], ms)}`);
  return {
    rows,
    notes: [`Cold start: ${spread.join(', ')}.`, ...[startError, nestError].filter(Boolean).map((why) => `Cold start: ${why}`)],
    raw: times,
  };
}

/** A failure in one table cell: its first line and, when longer, its last (the tail of the output). */
function reason(text) {
  const lines = String(text).trim().split('\n');
  return lines.length > 1 ? `${lines[0]} ... ${lines.at(-1)}` : (lines[0] ?? '');
}
