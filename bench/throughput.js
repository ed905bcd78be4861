/**
 * 2. Throughput of GET /v1/hello?name=x on the generated service (logging at info, metrics on)
 * against the bare Fastify hello world and fastify-cli's generated app, all running side by
 * side, measured in alternating autocannon rounds after a warm-up each; the CPU time each
 * server process spent in the measured rounds (/proc/PID/stat) per 1,000 requests.
 * 4. Memory: VmRSS of each server idle (after start and a settle) and its peak under load.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { fixed, median, mib, ratio, thousands } from './lib/stats.js';
import { cpuMs, rssBytes } from './lib/proc.js';
import { FASTIFY_CLI_START, HELLO_PATH, NEST_START, startBare, startFastifyCli, startNest, startShovel } from './lib/servers.js';

/** Requests/s at least the bare Fastify hello world's with its logger on... */
const TARGET = 1;
/** Requests/s against fastify-cli's generated app, and CPU per request no more than its. */
const CLI_TARGET = 1.1;
const CLI_CPU_TARGET = 1;
/** p99 latency under the same load no worse than fastify-cli's app. */
const P99_TARGET = 1;

/** The order of round `i`: rotated, so no subject always runs first. */
function rotation(names, i) {
  const shift = i % names.length;
  return [...names.slice(shift), ...names.slice(0, shift)];
}

/** A failure in one table cell: its first line and, when longer, its last (the tail of the output). */
function reason(text) {
  const lines = String(text).trim().split('\n');
  return lines.length > 1 ? `${lines[0]} ... ${lines.at(-1)}` : (lines[0] ?? '');
}

/** One autocannon run; fails on errors or non-2xx answers (a broken route is not fast). */
async function load(url, { connections, duration }) {
  const result = await autocannon({ url, connections, duration });
  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
  }
  return result;
}

/** Samples VmRSS of `pid` every 100 ms until stopped; returns the peak. */
function sampleRss(pid) {
  let peak = 0;
  const timer = setInterval(() => {
    rssBytes(pid).then(
      (rss) => {
        peak = Math.max(peak, rss);
      },
      () => {},
    );
  }, 100);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/** Requests counted by the service's own histogram for the hello route (proves metrics are on). */
async function helloCount(metricsUrl) {
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('http_request_duration_seconds_count') && line.includes('route="/v1/hello"')) total += Number(line.split(' ').pop());
  }
  return total;
}

/**
 * @param {{ serviceDir: string, fastifyCli?: { dir?: string, error?: string }, rounds: number,
 *   duration: number, warmup: number, connections: number, log: (line: string) => void }} options
 *   fastifyCli: the prepared fastify-cli app, or why there is none (its rows then say FAILED);
 *   nest: the prepared NestJS starter ({ appDir }), or why there is none
 */
export async function throughput({ serviceDir, fastifyCli, nest, rounds, duration, warmup, connections, log }) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'shovel-bench-load-'));
  /** @type {Record<string, Awaited<ReturnType<typeof startBare>>>} */
  const servers = {};
  let shovel;
  let startError;
  try {
    shovel = await startShovel(serviceDir, path.join(tmp, 'shovel.log'));
    servers.shovel = shovel;
    servers.bare = await startBare(serviceDir, path.join(tmp, 'bare.log'));
    if (fastifyCli?.dir) {
      try {
        servers['fastify-cli'] = await startFastifyCli(fastifyCli.dir, path.join(tmp, 'fastify-cli.log'));
      } catch (error) {
        startError = `the fastify-cli app did not start: ${error.message}`;
      }
    }
    let nestError = nest?.error;
    if (nest?.appDir) {
      try {
        servers.nest = await startNest(nest.appDir, path.join(tmp, 'nest.log'));
      } catch (error) {
        nestError = `the NestJS starter did not start: ${error.message}`;
      }
    }
    const names = Object.keys(servers);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    /** @type {Record<string, number>} */
    const idle = {};
    for (const name of names) idle[name] = await rssBytes(servers[name].child.pid);

    log(`throughput: ${names.join(', ')}: warm-up ${warmup} s each, then ${rounds} rounds of ${duration} s each, ${connections} connections`);
    for (const name of names) await load(servers[name].url + HELLO_PATH, { connections, duration: warmup });

    /** @type {Record<string, any[]>} */
    const results = {};
    /** @type {Record<string, number>} */
    const peak = {};
    /** @type {Record<string, number>} */
    const logBytes = {};
    /** @type {Record<string, number>} */
    const requests = {};
    /** @type {Record<string, number>} */
    const cpu = {};
    for (const name of names) [results[name], peak[name], logBytes[name], requests[name], cpu[name]] = [[], 0, 0, 0, 0];
    for (let i = 0; i < rounds; i += 1) {
      for (const name of rotation(names, i)) {
        const pid = servers[name].child.pid;
        const before = (await stat(servers[name].logFile)).size;
        const cpuBefore = await cpuMs(pid);
        const stop = sampleRss(pid);
        const result = await load(servers[name].url + HELLO_PATH, { connections, duration });
        cpu[name] += (await cpuMs(pid)) - cpuBefore;
        peak[name] = Math.max(peak[name], stop());
        logBytes[name] += (await stat(servers[name].logFile)).size - before;
        requests[name] += result.requests.total;
        results[name].push(result);
      }
    }
    const counted = await helloCount(shovel.metricsUrl);

    const rps = (name) => median(results[name].map((r) => r.requests.average));
    const lat = (name, p) => median(results[name].map((r) => r.latency[p]));
    const cpuPer1k = (name) => (cpu[name] / requests[name]) * 1000;
    const hasCli = 'fastify-cli' in servers;
    const r = ratio(rps('shovel'), rps('bare'));
    const cmd = `autocannon -c ${connections} -d ${duration} http://127.0.0.1:PORT${HELLO_PATH} (programmatic; ${rounds} alternating rounds after ${warmup} s warm-up, median)`;
    const cliCmd = `${cmd}; the fastify-cli app started with \`${FASTIFY_CLI_START}\``;
    const cpuCmd = `${cmd}; utime + stime of the server process from /proc/PID/stat before and after each measured round, summed, per 1,000 requests answered`;
    const cliFailed = (metric) => ({ metric, skipped: `FAILED: ${reason(startError ?? fastifyCli?.error ?? 'no fastify-cli app')}` });
    const cliRps = 'Throughput GET /v1/hello vs fastify-cli app (req/s)';
    const cliCpu = 'Server CPU ms per 1,000 requests vs fastify-cli app';
    return {
      rows: [
        {
          metric: 'Throughput GET /v1/hello (req/s)',
          shovel: thousands(rps('shovel')),
          baseline: thousands(rps('bare')),
          ratio: r,
          target: `>= ${TARGET.toFixed(1)}x`,
          pass: r >= TARGET,
          command: cmd,
        },
        hasCli
          ? {
              metric: cliRps,
              shovel: thousands(rps('shovel')),
              baseline: thousands(rps('fastify-cli')),
              ratio: ratio(rps('shovel'), rps('fastify-cli')),
              target: `>= ${CLI_TARGET}x`,
              pass: ratio(rps('shovel'), rps('fastify-cli')) >= CLI_TARGET,
              command: cliCmd,
            }
          : cliFailed(cliRps),
        {
          metric: 'Server CPU ms per 1,000 requests vs bare',
          shovel: `${fixed(cpuPer1k('shovel'), 1)} ms`,
          baseline: `${fixed(cpuPer1k('bare'), 1)} ms`,
          ratio: ratio(cpuPer1k('shovel'), cpuPer1k('bare')),
          target: 'report',
          pass: undefined,
          command: cpuCmd,
        },
        hasCli
          ? {
              metric: cliCpu,
              shovel: `${fixed(cpuPer1k('shovel'), 1)} ms`,
              baseline: `${fixed(cpuPer1k('fastify-cli'), 1)} ms`,
              ratio: ratio(cpuPer1k('shovel'), cpuPer1k('fastify-cli')),
              target: `<= ${CLI_CPU_TARGET.toFixed(1)}x`,
              pass: ratio(cpuPer1k('shovel'), cpuPer1k('fastify-cli')) <= CLI_CPU_TARGET,
              command: cpuCmd,
            }
          : cliFailed(cliCpu),
        {
          metric: 'Latency p50 / p99 (mean) under that load',
          shovel: `${lat('shovel', 'p50')} / ${lat('shovel', 'p99')} ms (${fixed(lat('shovel', 'average'), 2)} ms)`,
          baseline: `${lat('bare', 'p50')} / ${lat('bare', 'p99')} ms (${fixed(lat('bare', 'average'), 2)} ms)`,
          ratio: ratio(lat('shovel', 'average'), lat('bare', 'average')),
          target: 'report',
          pass: undefined,
          command: `${cmd}; percentiles have autocannon's 1 ms resolution, so the ratio is of the means`,
        },
        hasCli
          ? {
              metric: 'Latency p99 vs fastify-cli app (no worse)',
              shovel: `${lat('shovel', 'p99')} ms`,
              baseline: `${lat('fastify-cli', 'p99')} ms`,
              ratio: ratio(lat('shovel', 'p99'), lat('fastify-cli', 'p99')),
              target: `<= ${P99_TARGET.toFixed(1)}x`,
              pass: lat('shovel', 'p99') <= lat('fastify-cli', 'p99') * P99_TARGET,
              command: `${cliCmd}; median of the rounds' p99 (autocannon's 1 ms resolution)`,
            }
          : cliFailed('Latency p99 vs fastify-cli app'),
        ...(nest
          ? 'nest' in servers
            ? [
                {
                  metric: 'Throughput GET /v1/hello vs NestJS starter (req/s)',
                  shovel: thousands(rps('shovel')),
                  baseline: thousands(rps('nest')),
                  ratio: ratio(rps('shovel'), rps('nest')),
                  target: 'report',
                  pass: undefined,
                  command: `${cmd}; the NestJS starter started with \`${NEST_START}\``,
                },
                {
                  metric: 'Server CPU ms per 1,000 requests vs NestJS starter',
                  shovel: `${fixed(cpuPer1k('shovel'), 1)} ms`,
                  baseline: `${fixed(cpuPer1k('nest'), 1)} ms`,
                  ratio: ratio(cpuPer1k('shovel'), cpuPer1k('nest')),
                  target: 'report',
                  pass: undefined,
                  command: cpuCmd,
                },
              ]
            : [{ metric: 'Throughput GET /v1/hello vs NestJS starter (req/s)', skipped: `FAILED: ${reason(nestError ?? 'no NestJS starter')}` }]
          : []),
        {
          metric: 'Memory RSS idle',
          shovel: mib(idle.shovel),
          baseline: mib(idle.bare),
          ratio: ratio(idle.shovel, idle.bare),
          target: 'report',
          pass: undefined,
          command: 'VmRSS from /proc/PID/status, 1 s after ready (shovel: app + metrics server in one process)',
        },
        {
          metric: 'Memory RSS peak under load',
          shovel: mib(peak.shovel),
          baseline: mib(peak.bare),
          ratio: ratio(peak.shovel, peak.bare),
          target: 'report',
          pass: undefined,
          command: 'VmRSS sampled every 100 ms during the measured rounds, maximum',
        },
      ],
      notes: [
        `Throughput rounds (req/s): ${names.map((name) => `${name} ${results[name].map((x) => thousands(x.requests.average)).join(', ')}`).join('; ')}.`,
        `Log written per request, JSON lines to a file (logging on in every server but the NestJS starter, which logs no requests): ${names.map((name) => `${name} ${fixed(logBytes[name] / requests[name], 0)} bytes/request`).join(', ')}.` +
          ` Metrics on: the service's histogram counted ${thousands(counted)} requests of /v1/hello (warm-up included).`,
        `Server CPU in the measured rounds: ${names.map((name) => `${name} ${fixed(cpu[name] / 1000, 1)} s for ${thousands(requests[name])} requests`).join(', ')}.`,
        ...(hasCli
          ? [
              `fastify-cli app under the same load: p50 / p99 ${lat('fastify-cli', 'p50')} / ${lat('fastify-cli', 'p99')} ms (mean ${fixed(lat('fastify-cli', 'average'), 2)} ms), RSS idle ${mib(idle['fastify-cli'])}, peak ${mib(peak['fastify-cli'])}.`,
            ]
          : []),
        ...('nest' in servers
          ? [
              `NestJS starter under the same load (no request log: the starter logs none): p50 / p99 ${lat('nest', 'p50')} / ${lat('nest', 'p99')} ms (mean ${fixed(lat('nest', 'average'), 2)} ms), RSS idle ${mib(idle.nest)}, peak ${mib(peak.nest)}.`,
            ]
          : []),
        ...[startError, nestError].filter(Boolean).map((why) => `Throughput: ${why}`),
      ],
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    await rm(tmp, { recursive: true, force: true });
  }
}
