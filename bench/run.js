/**
 * `npm run bench`: measures Shovel beside a baseline in one run and prints the table; writes
 * it to bench/results.md. Runs after `npm run build` (the package.json script does it): every
 * measurement uses the BUILT bins.
 *
 * Flags: --quick (fewer runs, shorter load, writes nothing), --only=scaffold,cold,load,install,image,release
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { coldStart } from './coldstart.js';
import { dockerEnv } from './lib/docker-env.js';
import { appFastifyVersion, preparedFastifyCliApp } from './lib/fastify-cli-app.js';
import { nestAppDir, nestCoreVersion, preparedNestApp } from './lib/nest-app.js';
import { run } from './lib/proc.js';
import { commands, markdown, table } from './lib/report.js';
import { fastifyVersion, preparedService, ROOT } from './lib/service.js';
import { ms } from './lib/stats.js';
import { imageSize } from './image.js';
import { installSize } from './install.js';
import { firstRelease } from './release.js';
import { scaffold } from './scaffold.js';
import { throughput } from './throughput.js';

const ALL = ['scaffold', 'cold', 'load', 'install', 'image', 'release'];
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const only = new Set(values.only ? values.only.split(',') : ALL);
const quick = values.quick;
const settings = quick
  ? { scaffoldRuns: 5, coldRuns: 4, rounds: 2, duration: 2, warmup: 1, connections: 10, installRounds: 1 }
  : { scaffoldRuns: 15, coldRuns: 10, rounds: 5, duration: 4, warmup: 2, connections: 10, installRounds: 2 };

const started = performance.now();
const loadAtStart = os.loadavg()[0];
const log = (line) => process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);

async function version(pkgDir) {
  return JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')).version;
}

async function gitDescription() {
  try {
    const sha = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT })).stdout.trim();
    const dirty = (await run('git', ['status', '--porcelain'], { cwd: ROOT })).stdout.trim() !== '';
    return `${sha}${dirty ? ' + uncommitted changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** Runs one measurement; a failure becomes a row saying so, and the other measurements go on. */
async function measure(name, metric, fn, into) {
  if (!only.has(name)) return;
  try {
    const result = await fn();
    into.rows.push(...result.rows);
    into.notes.push(...result.notes);
  } catch (error) {
    log(`${name} failed: ${error.message}`);
    const lines = String(error.message).trim().split('\n');
    into.rows.push({ metric, skipped: `FAILED (see notes): ${lines.at(-1)}` });
    into.notes.push(`${metric} failed:\n\n\`\`\`\n${error.message}\n\`\`\``);
    process.exitCode = 1;
  }
}

async function main() {
  const results = { rows: [], notes: [] };
  await measure('scaffold', 'Scaffold time', () => scaffold({ runs: settings.scaffoldRuns, log }), results);

  let service;
  if (['cold', 'load', 'install', 'image'].some((name) => only.has(name))) {
    service = await preparedService(log);
    log(`service: ${service.dir}${service.cached ? ' (cached)' : ` (set up in ${ms(service.setupMs)})`}`);
  }
  /** The fastify-cli baseline, or why there is none: its rows then say FAILED, the others go on. */
  let fastifyCli;
  if (['cold', 'load', 'install'].some((name) => only.has(name))) {
    try {
      const app = await preparedFastifyCliApp(log);
      fastifyCli = { ...app, fastify: await appFastifyVersion(app.dir) };
      log(`fastify-cli app: ${app.dir}${app.cached ? ' (cached)' : ` (set up in ${ms(app.setupMs)})`}`);
      results.notes.push(
        `fastify-cli app: fastify-cli ${app.version}'s \`fastify generate <dir> --lang=ts\` plus src/routes/v1/hello/index.ts (the same route, schema and answer as the service's), \`npm install\` (fastify ${fastifyCli.fastify} installed), \`npm run build:ts\`; its tsconfig.json is given \`rootDir: "src"\`, the directory TypeScript infers, because TypeScript 6 (the version the template asks for) refuses to emit without it (TS5011).`,
      );
    } catch (error) {
      log(`fastify-cli app failed: ${error.message}`);
      fastifyCli = { error: `generating or installing the fastify-cli app failed: ${error.message}` };
      results.notes.push(`fastify-cli app failed:\n\n\`\`\`\n${error.message}\n\`\`\``);
      process.exitCode = 1;
    }
  }
  /** The NestJS baseline, or why there is none: its rows then say FAILED, the others go on. */
  let nest;
  if (['cold', 'load'].some((name) => only.has(name))) {
    try {
      const prepared = await preparedNestApp(log);
      const appDir = nestAppDir(prepared);
      nest = { ...prepared, appDir, core: await nestCoreVersion(appDir) };
      log(`NestJS starter: ${appDir}${prepared.cached ? ' (cached)' : ` (set up in ${ms(prepared.setupMs)})`}`);
      results.notes.push(
        `NestJS starter: @nestjs/cli ${prepared.version}'s \`nest new app --skip-git --package-manager npm\` (its npm install; @nestjs/core ${nest.core}, Express) plus src/hello.controller.ts (GET /v1/hello, the same answer; no validation pipe) registered in AppModule, \`npm run build\`, started as \`node dist/main\`.`,
      );
    } catch (error) {
      log(`NestJS starter failed: ${error.message}`);
      nest = { error: `generating or installing the NestJS starter failed: ${error.message}` };
      results.notes.push(`NestJS starter failed:\n\n\`\`\`\n${error.message}\n\`\`\``);
      process.exitCode = 1;
    }
  }
  await measure('cold', 'Cold start to ready', () => coldStart({ serviceDir: service.dir, fastifyCli, nest, runs: settings.coldRuns, log }), results);
  await measure('load', 'Throughput GET /v1/hello', () => throughput({ serviceDir: service.dir, fastifyCli, nest, ...settings, log }), results);
  await measure('install', 'Install', () => installSize({ serviceDir: service.dir, fastifyCli, rounds: settings.installRounds, log }), results);

  const docker = only.has('image') || only.has('release') ? await dockerEnv() : undefined;
  if (docker && !docker.ok) {
    log(`docker rows skipped: ${docker.reason}`);
    if (only.has('image')) results.rows.push({ metric: 'Image: service layers over the base', skipped: docker.reason });
    if (only.has('release')) results.rows.push({ metric: 'First healthy release, docker target', skipped: docker.reason });
  } else if (docker) {
    await measure('image', 'Image size', () => imageSize({ serviceDir: service.dir, env: docker, log }), results);
    await measure('release', 'First healthy release', () => firstRelease({ env: docker, target: 'docker', log }), results);
    await measure('release', 'First healthy release on Marathon', () => firstRelease({ env: docker, target: 'marathon', log }), results);
  }

  const context = [
    `Measured ${new Date().toISOString()} in one \`npm run bench\` run${quick ? ' (--quick)' : ''} (${ms(performance.now() - started)} in all); create-shovel ${await gitDescription()}.`,
    `Machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}; Node ${process.version}.`,
    `Baselines: create-vite ${await version(path.join(ROOT, 'node_modules', 'create-vite'))} (template vanilla-ts), bare Fastify ${service ? await fastifyVersion(service.dir) : 'n/a'} (the copy installed in the generated service)${fastifyCli?.dir ? `, fastify-cli ${fastifyCli.version} (\`fastify generate <dir> --lang=ts\`, then \`npm install\` and \`npm run build:ts\`; fastify ${fastifyCli.fastify} installed; tsconfig given \`rootDir: "src"\`, which TypeScript 6 requires to emit)` : ''}${nest?.appDir ? `, NestJS starter (@nestjs/cli ${nest.version}, @nestjs/core ${nest.core})` : ''}, autocannon ${await version(path.join(ROOT, 'node_modules', 'autocannon'))}${docker?.ok ? `, base image ${docker.nodeImage}` : ''}.`,
    `Servers and load generator on 127.0.0.1, sharing the machine's ${os.cpus().length} cores (1-min load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at the end: other work shares them): absolute numbers are this machine's, the ratios measured side by side are the claim.`,
  ];
  const title = 'Shovel benchmark';
  process.stdout.write(`\n${table(results.rows)}\n\nHow each row was measured:\n${commands(results.rows)}\n\nNotes:\n${results.notes.map((n) => `- ${n}`).join('\n')}\n`);
  if (!quick && only.size === ALL.length) {
    const file = path.join(ROOT, 'bench', 'results.md');
    await writeFile(file, markdown({ rows: results.rows, notes: results.notes, context, title }));
    log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  const failed = results.rows.filter((row) => row.pass === false).length;
  log(`${failed === 0 ? 'every target met' : `${failed} target(s) missed`}; ${ms(performance.now() - started)} in all`);
}

await main();
