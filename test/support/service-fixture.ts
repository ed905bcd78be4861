/**
 * A generated service for tests: rendered from templates/service with src/scaffold (the same
 * code create-shovel uses), written with its file modes, and installed once. The installed
 * copy is cached in the OS temp dir under a hash of everything that shapes it, so repeated
 * runs (and several test files) share one `npm install`.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Answers } from '../../src/inputs/schema.js';
import { renderTree } from '../../src/scaffold/render.js';
import { templateData } from '../../src/scaffold/template-data.js';
import { selfPackage, templatesDir } from '../../src/util/self.js';

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
  hash.update(await readFile(path.join(selfPackage().root, 'src', 'versions.ts')));
  hash.update(JSON.stringify(answers));
  hash.update(selfPackage().dependencySpec);
  hash.update(process.version);
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
  /** Whether this call ran `npm install` (false: reused from the cache). */
  installed: boolean;
  /** How long `npm install` took, when it ran. */
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
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: staging,
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
