/**
 * A generated service for tests: rendered from templates/service with src/scaffold (the same
 * code create-shovel uses), written with its file modes, and installed once. The installed
 * copy is cached in the OS temp dir under a hash of everything that shapes it, so repeated
 * runs (and several test files) share one `npm install`.
 */
import { createHash } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Answers } from '../../src/inputs/schema.js';
import { renderTree } from '../../src/scaffold/render.js';
import { templateData } from '../../src/scaffold/template-data.js';
import { templatesDir } from '../../src/util/self.js';
import semver from 'semver';
import { NODE_ENGINES, versionTableDir } from '../../src/versions.js';

const run = promisify(execFile);

export const SERVICE_ANSWERS: Answers = {
  name: 'orders-api',
  description: 'Takes orders.\nSecond line with "quotes", a \\ backslash and ${not} {{handlebars}}.',
  team: 'payments',
  port: 8080,
  publicHost: 'orders.example.com',
  cpus: 0.25,
  memory: 256,
  instances: 2,
  imageRepository: '127.0.0.1:5000/payments',
  marathonUrl: '',
  marathonGroup: '/payments',
  nodeImage: 'node:26-bookworm-slim',
};

export interface ServiceNode {
  /** The node binary. */
  bin: string;
  version: string;
  /** PATH with that node first, so `npm` (a node script) runs on it too. */
  path: string;
  /** An environment for npm on that Node: this process's, with that PATH and without npm's own variables. */
  env: NodeJS.ProcessEnv;
}

/**
 * The Node the generated service is installed and tested on: the floor of its engines.node
 * (SHOVEL_TEST_SERVICE_NODE, a `node@<floor>` binary that .ci/setup-env.sh installs), or
 * this process's Node when that satisfies engines.node.
 */
export function serviceNodeStatus(vars: NodeJS.ProcessEnv = process.env): { ok: true; env: ServiceNode } | { ok: false; reason: string } {
  const floor = semver.minVersion(NODE_ENGINES)?.version;
  const withPath = (bin: string, version: string): ServiceNode => {
    const search = [path.dirname(bin), vars.PATH ?? ''].join(path.delimiter);
    // npm's own variables (npm_node_execpath, NODE) from an outer `npx`/`npm test` would make
    // the inner npm run scripts on the outer Node.
    const inherited = Object.entries(vars).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE');
    return { bin, version, path: search, env: { ...Object.fromEntries(inherited), PATH: search } };
  };
  const given = vars.SHOVEL_TEST_SERVICE_NODE;
  if (given) {
    const r = spawnSync(given, ['-v'], { encoding: 'utf8' });
    const version = r.stdout?.trim().replace(/^v/, '') ?? '';
    if (r.status !== 0 || !semver.satisfies(version, NODE_ENGINES)) {
      return { ok: false, reason: `SHOVEL_TEST_SERVICE_NODE=${given} is not a Node satisfying engines.node ${NODE_ENGINES} (${r.error?.message ?? `v${version}`})` };
    }
    return { ok: true, env: withPath(given, version) };
  }
  if (semver.satisfies(process.versions.node, NODE_ENGINES)) return { ok: true, env: withPath(process.execPath, process.versions.node) };
  return {
    ok: false,
    reason: `needs Node ${floor} (engines.node ${NODE_ENGINES} of the generated service; this is ${process.version}): \`source .ci/setup-env.sh\` sets SHOVEL_TEST_SERVICE_NODE`,
  };
}

export function serviceTemplateDir(): string {
  return path.join(templatesDir(), 'service');
}

/** Renders the service template and writes it under `dir`, keeping each file's mode. */
export async function writeService(dir: string, answers: Answers = SERVICE_ANSWERS): Promise<string[]> {
  const files = await renderTree(serviceTemplateDir(), templateData(answers));
  for (const file of files) {
    const target = path.join(dir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.contents);
    await chmod(target, file.mode);
  }
  return files.map((file) => file.path);
}

async function hashTree(dir: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    hash.update(`${entry.name}\0`);
    if (entry.isDirectory()) await hashTree(full, hash);
    else hash.update(await readFile(full));
  }
}

async function cacheKey(answers: Answers): Promise<string> {
  const hash = createHash('sha256');
  await hashTree(serviceTemplateDir(), hash);
  await hashTree(versionTableDir(), hash);
  hash.update(JSON.stringify(answers));
  const node = serviceNodeStatus();
  hash.update(node.ok ? node.env.version : process.version);
  return hash.digest('hex').slice(0, 16);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export interface InstalledService {
  /** The cached, installed service; treat as read-only (see `workingCopy`). */
  dir: string;
  /** Whether this call ran `npm ci` (false: reused from the cache). */
  installed: boolean;
  /** How long `npm ci` took, when it ran. */
  installMs?: number;
}

let pending: Promise<InstalledService> | undefined;

/** The generated and installed service, shared by every test of the process (and cached on disk). */
export function installedService(): Promise<InstalledService> {
  pending ??= createInstalledService(SERVICE_ANSWERS);
  return pending;
}

async function createInstalledService(answers: Answers): Promise<InstalledService> {
  const dir = path.join(os.tmpdir(), `shovel-service-${await cacheKey(answers)}`);
  const marker = path.join(dir, '.shovel-test-installed');
  if (await exists(marker)) return { dir, installed: false };

  await pruneStaleCaches(path.basename(dir));
  const staging = await mkdtemp(`${dir}.staging-`);
  await writeService(staging, answers);
  const started = Date.now();
  // The same install as create-shovel's: the pinned lockfile, never a fresh resolution.
  const node = serviceNodeStatus();
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: staging,
    ...(node.ok ? { env: node.env.env } : {}),
    maxBuffer: 64 * 1024 * 1024,
  });
  const installMs = Date.now() - started;
  await writeFile(path.join(staging, '.shovel-test-installed'), `${new Date().toISOString()}\n`);
  try {
    await rename(staging, dir);
  } catch (error) {
    // Another test process finished first: use its copy.
    if (!(await exists(marker))) throw error;
    await rm(staging, { recursive: true, force: true });
  }
  return { dir, installed: true, installMs };
}

/** Older cached services (other template hashes) only fill the disk: remove them. */
async function pruneStaleCaches(keep: string): Promise<void> {
  const stale = (await readdir(os.tmpdir())).filter((name) => /^shovel-service-[0-9a-f]{16}$/.test(name) && name !== keep);
  await Promise.all(stale.map((name) => rm(path.join(os.tmpdir(), name), { recursive: true, force: true })));
}

/**
 * A private, writable copy of the installed service (sources, lockfile) in a fresh temp dir,
 * its node_modules linked to the cached install: tests that build, generate code or edit
 * files do it there.
 */
export async function workingCopy(service: InstalledService): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-service-work-'));
  await cp(service.dir, dir, {
    recursive: true,
    filter: (source) => {
      const relative = path.relative(service.dir, source);
      return relative !== 'node_modules' && relative !== 'dist' && relative !== '.shovel-test-installed';
    },
  });
  await symlink(path.join(service.dir, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/**
 * A copy of the generated service in a fresh temp dir, as a clone of its repository would be
 * (no node_modules, no dist), installed there with a fresh `npm ci` on `node`: what a
 * teammate or the service's own CI gets.
 */
export async function freshClone(service: InstalledService, node: ServiceNode): Promise<{ dir: string; installMs: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-service-clone-'));
  await cp(service.dir, dir, {
    recursive: true,
    filter: (source) => {
      const top = path.relative(service.dir, source).split(path.sep)[0];
      return top !== 'node_modules' && top !== 'dist' && top !== '.shovel-test-installed';
    },
  });
  const started = Date.now();
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env: node.env, maxBuffer: 64 * 1024 * 1024 });
  return { dir, installMs: Date.now() - started };
}

/** A port free on 127.0.0.1 right now; services under test are told it (PORT=0 would hide it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** Two consecutive ports free on 127.0.0.1 right now (a generated service's http and metrics ports). */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port >= 65535) continue;
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port + 1, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      server.close();
      await once(server, 'close');
      return port;
    }
  }
}
