/**
 * 6. Time to the first healthy release: `create-shovel DIR --yes --release` (generate, git,
 * npm ci beside the release with a warm cache, build, push to the local registry, deploy, health
 * gate), wall time plus the step timings of its --json report. Two targets, measured the same
 * way:
 * - the local docker engine;
 * - Marathon: the stand-in of test/support/marathon-standin (TypeScript; bundled here with
 *   esbuild, as the bench runs plain node), its tasks real containers. Marathon's own time is
 *   read from its event stream, as any client can: from the deployment_info of the new app to
 *   its deployment_success. Shovel's own overhead is the time of its steps less that, the
 *   image build and push (docker's work) and npm ci (which runs beside them).
 *
 * When that one command fails before deploying, the same directory is released with
 * `shovel release --json --allow-dirty`, so the row still shows what the rest of the release
 * costs (and says that it needed the workaround).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createParser } from 'eventsource-parser';
import { ms } from './lib/stats.js';
import { run } from './lib/proc.js';
import { CREATE_BIN, ROOT } from './lib/service.js';

const SHOVEL_BIN = path.join(ROOT, 'bin', 'shovel.js');
/** Create -> first healthy release on the docker target, warm caches. */
const TARGET_MS = 15_000;
/** Marathon: what Shovel adds to the build, the push and Marathon's own deployment. */
const OVERHEAD_TARGET_MS = 1_000;
const STANDIN_ENTRY = path.join(ROOT, 'test', 'support', 'marathon-standin', 'index.ts');
/** Three levels below the root, as the stand-in's own file (it finds the schemas from there). */
const STANDIN_BUNDLE = path.join(ROOT, 'bench', '.cache', 'standin', 'marathon-standin.mjs');

/** The Marathon stand-in, bundled from its TypeScript source, started with tasks as containers. */
async function startStandin(docker) {
  const { build } = await import('esbuild');
  await mkdir(path.dirname(STANDIN_BUNDLE), { recursive: true });
  await build({ entryPoints: [STANDIN_ENTRY], outfile: STANDIN_BUNDLE, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  const { startMarathonStandin } = await import(`${pathToFileURL(STANDIN_BUNDLE).href}?t=${Date.now()}`);
  const standin = await startMarathonStandin({ runner: 'docker', docker });
  // The stand-in compiles Marathon's JSON Schemas on its first PUT (about 0.4 s here): a cost
  // of the stand-in, neither Marathon's nor Shovel's. One PUT of an app with no instance, then
  // its removal, before the measured release.
  const warm = `${standin.url}/v2/apps/bench-warm-up`;
  const body = JSON.stringify({ id: '/bench-warm-up', instances: 0, cpus: 0.1, mem: 32, container: { type: 'DOCKER', docker: { image: 'bench-warm-up:0' } } });
  for (const [method, init] of [['PUT', { body, headers: { 'content-type': 'application/json' } }], ['DELETE', {}]]) {
    const response = await fetch(`${warm}?force=true`, { method, ...init });
    await response.text();
    if (!response.ok) throw new Error(`stand-in warm-up: ${method} answered ${response.status}`);
  }
  // Its deployments done, so none of their events is read as the release's.
  for (let i = 0; ; i += 1) {
    const running = await (await fetch(`${standin.url}/v2/deployments`)).json();
    if (running.length === 0) break;
    if (i >= 100) throw new Error('stand-in warm-up: the deployments did not end within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return standin;
}

/**
 * Marathon's event stream (GET /v2/events), as a client reads it: the arrival time of each
 * event type, first and last. stop() ends the stream.
 */
async function watchEvents(url) {
  const controller = new AbortController();
  const seen = new Map();
  const response = await fetch(`${url}/v2/events`, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
  const parser = createParser({
    onEvent: ({ event }) => {
      if (!event) return;
      const now = performance.now();
      const entry = seen.get(event) ?? { first: now, last: now };
      entry.last = now;
      seen.set(event, entry);
    },
  });
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
  })().catch(() => {});
  return {
    seen,
    stop: async () => {
      controller.abort();
      await reading;
    },
  };
}

/** Steps of one or more reports, without the repeats (create-shovel hands its progress to the release). */
function stepsOf(...lists) {
  const seen = new Set();
  return lists.flat().filter((step) => {
    const key = `${step?.name}|${step?.ms}`;
    if (!step || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The --json report: the whole of stdout (create-shovel) or its last line (shovel release). */
function parseJson(stdout) {
  for (const text of [stdout, stdout.trim().split('\n').at(-1) ?? '']) {
    try {
      return JSON.parse(text);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/**
 * @param {{ env: { docker: string, registry: string, user: string, password: string, nodeImage: string },
 *   target: 'docker' | 'marathon', log: (line: string) => void }} options
 */
export async function firstRelease({ env, target, log }) {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'shovel-bench-release-'));
  // A new name each run, as for a new service. Warm: the npm cache, the base image and the
  // image's dependency layers (keyed by the dependencies alone, so any earlier build of this
  // template version left them in the build cache).
  const dir = path.join(parent, `bench-release-${Date.now().toString(36)}`);
  const standin = target === 'marathon' ? await startStandin(env.docker) : undefined;
  const events = standin ? await watchEvents(standin.url) : undefined;
  const where = standin ? ['--marathon-url', standin.url] : [];
  const args = [CREATE_BIN, dir, '--yes', '--release', '--json', '--image-repository', env.registry, '--node-image', env.nodeImage, ...where];
  const childEnv = {
    ...process.env,
    SHOVEL_DOCKER: env.docker,
    SHOVEL_REGISTRY_USER: env.user,
    SHOVEL_REGISTRY_PASSWORD: env.password,
    SHOVEL_NODE_IMAGE: env.nodeImage,
    DOCKER_BUILDKIT: '1',
    npm_config_user_agent: 'npm',
  };
  const command = `node bin/create-shovel.cjs DIR --yes --release --json --image-repository ${env.registry} --node-image ${env.nodeImage}${standin ? ' --marathon-url STANDIN' : ''} (DIR named bench-release-<time>, new each run; warm caches)`;
  const label = standin ? 'First healthy release, Marathon stand-in' : 'First healthy release, docker target';
  /** @type {any[]} */
  const released = [];
  try {
    log(`release: create-shovel --yes --release (${target})`);
    const created = await run(process.execPath, args, { cwd: parent, env: childEnv, timeoutMs: 240_000, allowFailure: true });
    const report = parseJson(created.stdout);
    if (!report) throw new Error(`create-shovel --release printed no JSON report (exit ${created.code}):\n${created.stderr.slice(-2000)}`);
    if (report.release) released.push(report.release);
    const steps = stepsOf(report.steps ?? [], report.release?.steps ?? []);
    const rows = [];
    const notes = [];
    let total = created.ms;
    let healthy = created.code === 0 && report.release?.outcome === 'healthy';
    if (healthy && !standin) {
      rows.push({ metric: label, shovel: ms(total), baseline: 'none (absolute target)', target: `< ${TARGET_MS / 1000} s`, pass: total < TARGET_MS, command });
    } else if (healthy && events) {
      await events.stop();
      const info = events.seen.get('deployment_info');
      const success = events.seen.get('deployment_success');
      const marathonMs = info && success ? success.last - info.first : undefined;
      rows.push({ metric: label, shovel: ms(total), baseline: 'none', target: 'report', command });
      if (marathonMs === undefined) {
        rows.push({ metric: "  Shovel's own overhead", skipped: 'FAILED: no deployment_info and deployment_success on the event stream', command });
      } else {
        // Shovel's steps, one after the other; npm ci runs beside them (its time is npm's).
        const others = new Set(['Build', 'Push', 'Install dependencies (npm ci)']);
        const own = steps.filter((step) => !others.has(step.name)).reduce((sum, step) => sum + (step.ms ?? 0), 0);
        const overhead = own - marathonMs;
        rows.push({
          metric: "  Shovel's own overhead (its steps less Marathon's deployment)",
          shovel: ms(overhead),
          baseline: `Marathon ${ms(marathonMs)}`,
          target: `< ${OVERHEAD_TARGET_MS / 1000} s`,
          pass: overhead < OVERHEAD_TARGET_MS,
          command: `the steps below but Build, Push and npm ci (docker's and npm's work), summed, less Marathon's deployment (deployment_success - deployment_info, as the bench read them on GET ${'/v2/events'} of the stand-in)`,
        });
      }
    } else {
      const why = `${report.error?.code ?? `exit ${created.code}`}: ${report.error?.message ?? created.stderr.trim().split('\n').at(-1)}`;
      rows.push({ metric: label, skipped: `FAILED after ${ms(total)}: ${why}`, command });
      notes.push(`\`create-shovel --yes --release\` failed after ${ms(total)} (${why}).`);
      if (report.outcome === 'created' || report.target) {
        log('release: retrying the release step alone with shovel release --allow-dirty');
        const retry = await run(process.execPath, [SHOVEL_BIN, 'release', '--json', '--allow-dirty'], { cwd: dir, env: childEnv, timeoutMs: 240_000, allowFailure: true });
        const record = parseJson(retry.stdout);
        if (record) released.push(record);
        total += retry.ms;
        healthy = retry.code === 0 && record?.outcome === 'healthy';
        steps.push(...stepsOf(record?.steps ?? []).map((step) => ({ ...step, name: `${step.name} (shovel release --allow-dirty)` })));
        rows.push({
          metric: '  same, finished by `shovel release --allow-dirty`',
          shovel: healthy ? ms(total) : `failed: ${record?.error?.code ?? retry.code}`,
          baseline: '',
          target: `< ${TARGET_MS / 1000} s`,
          pass: healthy && total < TARGET_MS,
          command: `${command}; then cd DIR && node bin/shovel.js release --json --allow-dirty (sum of both wall times)`,
        });
      }
    }
    for (const step of steps) {
      rows.push({ metric: `  step: ${step.name}${step.status === 'ok' ? '' : ` (${step.status})`}`, shovel: ms(step.ms), baseline: '', target: '', command: 'step timing from the --json report(s) of the release row above' });
    }
    const last = released.at(-1);
    notes.push(
      `Release (${target}): outcome ${last?.outcome ?? 'n/a'}${last?.image?.ref ? `, image ${last.image.ref}` : ''}. Steps from the --json reports; wall time includes node start-up and the JSON report; npm ci runs beside the release steps, so the steps add up to more than the wall time.`,
    );
    return { rows, notes };
  } finally {
    await events?.stop();
    await standin?.close();
    for (const record of released) {
      // Every instance's container (a service may run more than one), instance 0 among them.
      const containers = new Set([...(record?.docker?.containers ?? []), record?.docker?.container].filter(Boolean));
      for (const container of containers) await run(env.docker, ['rm', '-f', container]).catch(() => {});
      if (record?.image?.ref) await run(env.docker, ['rmi', record.image.ref]).catch(() => {});
    }
    await rm(parent, { recursive: true, force: true });
  }
}
