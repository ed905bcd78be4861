/**
 * 2. Throughput of GET /v1/hello?name=x on the generated service (logging at info, metrics on)
 * against the bare Fastify hello world, both running side by side, measured in alternating
 * autocannon rounds after a warm-up each.
 * 4. Memory: VmRSS of each server idle (after start and a settle) and its peak under load.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { fixed, median, mib, ratio, thousands } from './lib/stats.js';
import { rssBytes } from './lib/proc.js';
import { HELLO_PATH, startBare, startShovel } from './lib/servers.js';

const TARGET = 0.85;

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
 * @param {{ serviceDir: string, rounds: number, duration: number, warmup: number, connections: number,
 *   log: (line: string) => void }} options
 */
export async function throughput({ serviceDir, rounds, duration, warmup, connections, log }) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'shovel-bench-load-'));
  /** @type {Record<string, Awaited<ReturnType<typeof startShovel>>>} */
  const servers = {};
  try {
    servers.shovel = await startShovel(serviceDir, path.join(tmp, 'shovel.log'));
    servers.bare = await startBare(serviceDir, path.join(tmp, 'bare.log'));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = { shovel: await rssBytes(servers.shovel.child.pid), bare: await rssBytes(servers.bare.child.pid) };

    log(`throughput: warm-up ${warmup} s each, then ${rounds} rounds of ${duration} s each, ${connections} connections`);
    for (const name of ['shovel', 'bare']) await load(servers[name].url + HELLO_PATH, { connections, duration: warmup });

    const results = { shovel: [], bare: [] };
    const peak = { shovel: 0, bare: 0 };
    const logBytes = { shovel: 0, bare: 0 };
    const requests = { shovel: 0, bare: 0 };
    for (let i = 0; i < rounds; i += 1) {
      for (const name of i % 2 === 0 ? ['shovel', 'bare'] : ['bare', 'shovel']) {
        const before = (await stat(servers[name].logFile)).size;
        const stop = sampleRss(servers[name].child.pid);
        const result = await load(servers[name].url + HELLO_PATH, { connections, duration });
        peak[name] = Math.max(peak[name], stop());
        logBytes[name] += (await stat(servers[name].logFile)).size - before;
        requests[name] += result.requests.total;
        results[name].push(result);
      }
    }
    const counted = await helloCount(servers.shovel.metricsUrl);

    const rps = (name) => median(results[name].map((r) => r.requests.average));
    const lat = (name, p) => median(results[name].map((r) => r.latency[p]));
    const r = ratio(rps('shovel'), rps('bare'));
    const cmd = `autocannon -c ${connections} -d ${duration} http://127.0.0.1:PORT${HELLO_PATH} (programmatic; ${rounds} alternating rounds after ${warmup} s warm-up, median)`;
    return {
      rows: [
        {
          metric: 'Throughput GET /v1/hello (req/s)',
          shovel: thousands(rps('shovel')),
          baseline: thousands(rps('bare')),
          ratio: r,
          target: `>= ${TARGET}x`,
          pass: r >= TARGET,
          command: cmd,
        },
        {
          metric: 'Latency p50 / p99 (mean) under that load',
          shovel: `${lat('shovel', 'p50')} / ${lat('shovel', 'p99')} ms (${fixed(lat('shovel', 'average'), 2)} ms)`,
          baseline: `${lat('bare', 'p50')} / ${lat('bare', 'p99')} ms (${fixed(lat('bare', 'average'), 2)} ms)`,
          ratio: ratio(lat('shovel', 'average'), lat('bare', 'average')),
          target: 'report',
          pass: undefined,
          command: `${cmd}; percentiles have autocannon's 1 ms resolution, so the ratio is of the means`,
        },
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
        `Throughput rounds (req/s): shovel ${results.shovel.map((x) => thousands(x.requests.average)).join(', ')}; bare ${results.bare.map((x) => thousands(x.requests.average)).join(', ')}.`,
        `Logging on for both, JSON lines to a file: shovel ${fixed(logBytes.shovel / requests.shovel, 0)} bytes/request, bare ${fixed(logBytes.bare / requests.bare, 0)} bytes/request.` +
          ` Metrics on: the service's histogram counted ${thousands(counted)} requests of /v1/hello (warm-up included).`,
      ],
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    await rm(tmp, { recursive: true, force: true });
  }
}
