/**
 * Repositories of third-party servers (test/fixtures/servers) in real git repositories, released
 * with the built `shovel` bin to the local engine, and the clients the tests talk to them with.
 * Only 127.0.0.1 is ever targeted.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { commitAll, git, runShovel, type ShovelRun } from '../release/helpers.js';
import { debFiles, type ServersEnv } from './environment.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/servers');

export interface ServerRepoOptions {
  /** Fixture directories copied in order (a later one's files win). */
  fixtures: string[];
  /** The deb set copied into debs/ of the build context. */
  debSet: string;
  /** `__KEY__` placeholder values, replaced in these files. */
  values: Record<string, string | number>;
  files: string[];
  /** Files of the copied fixtures left out (e.g. a shovel.yml for `shovel init` to write). */
  omit?: string[];
  /** Name of the repository directory (the default service id of `shovel init`). */
  name: string;
  /** Commit the copy (default true). */
  commit?: boolean;
}

/** A temp git repository of fixture files with the deb set in its (git-ignored) debs/. */
export async function makeServerRepo(env: ServersEnv, options: ServerRepoOptions): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'shovel-servers-')), options.name);
  await mkdir(dir);
  for (const fixture of options.fixtures) await cp(path.join(FIXTURES, fixture), dir, { recursive: true });
  for (const file of options.omit ?? []) await rm(path.join(dir, file), { force: true });
  for (const file of options.files) {
    let text = await readFile(path.join(dir, file), 'utf8');
    for (const [key, value] of Object.entries(options.values)) text = text.replaceAll(`__${key}__`, String(value));
    const left = /__[A-Z_]+__/.exec(text);
    if (left) throw new Error(`${file}: placeholder ${left[0]} has no value`);
    await writeFile(path.join(dir, file), text);
  }
  const debs = debFiles(env.debs, options.debSet);
  if (typeof debs === 'string') throw new Error(debs);
  await mkdir(path.join(dir, 'debs'));
  for (const file of debs) await cp(file, path.join(dir, 'debs', path.basename(file)));
  await git(dir, 'init', '-q');
  if (options.commit ?? true) await commitAll(dir, 'initial');
  return dir;
}

/** Replaces text in a file of the repository and commits it (a configuration change). */
export async function editAndCommit(dir: string, file: string, from: string, to: string): Promise<void> {
  const target = path.join(dir, file);
  const text = await readFile(target, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
  await writeFile(target, text.replace(from, to));
  await commitAll(dir, `${file}: ${to}`);
}

/** A TCP port on 127.0.0.1 free right now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The environment of a docker-target release on this machine (host networking). */
export function releaseEnv(env: ServersEnv): Record<string, string> {
  return {
    SHOVEL_DOCKER: env.docker,
    SHOVEL_REGISTRY_USER: env.registryUser,
    SHOVEL_REGISTRY_PASSWORD: env.registryPassword,
    SHOVEL_NODE_IMAGE: env.nodeImage,
    SHOVEL_DOCKER_NETWORK: 'host',
  };
}

export interface Released {
  run: ShovelRun;
  /** The --json record (the last line of stdout), or {} when there is none. */
  record: { outcome?: string; image?: { ref?: string; tag?: string } } & Record<string, unknown>;
}

export async function shovel(env: ServersEnv, dir: string, args: string[]): Promise<Released> {
  const run = await runShovel(args, { cwd: dir, env: releaseEnv(env) });
  let record: Released['record'] = {};
  try {
    record = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Released['record'];
  } catch {
    // not a JSON line: the assertions on exit code and stderr say what happened
  }
  return { run, record };
}

/** The docker client of the environment; never throws (tests read exitCode and stdout). */
export function dockerOf(env: ServersEnv) {
  return (...args: string[]) => execa(env.docker, args, { reject: false });
}

/** Running containers of a service (Shovel's `shovel.service` label). */
export async function runningContainers(env: ServersEnv, service: string): Promise<string[]> {
  const r = await dockerOf(env)('ps', '-q', '--no-trunc', '--filter', `label=shovel.service=${service}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** Removes the containers, images and volumes a service left on the engine. */
export async function removeService(env: ServersEnv, service: string): Promise<void> {
  const docker = dockerOf(env);
  const ids = (await docker('ps', '-aq', '--filter', `label=shovel.service=${service}`)).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids);
  const images = (await docker('images', '-q', '--filter', `label=shovel.service=${service}`)).stdout.split('\n').filter(Boolean);
  if (images.length) await docker('rmi', '-f', ...new Set(images));
  const volumes = (await docker('volume', 'ls', '-q', '--filter', `name=shovel-${service}-`)).stdout.split('\n').filter(Boolean);
  if (volumes.length) await docker('volume', 'rm', '-f', ...volumes);
}

/** GET http://127.0.0.1:port/path: status and body, or the error code when nothing answers. */
export async function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(3000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { error: String((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message) };
  }
}

export type RespValue = string | number | null | RespValue[] | { error: string };

/**
 * One redis command over RESP to 127.0.0.1:port: the reply as a string (simple or bulk), a
 * number, null, an array, or {error}. A real client of the real server, nothing more.
 */
export async function redis(port: number, ...args: string[]): Promise<RespValue> {
  const socket = createConnection({ host: '127.0.0.1', port });
  socket.setTimeout(3000);
  const request = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise<RespValue>((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    socket.on('connect', () => socket.write(request));
    socket.on('timeout', () => socket.destroy(new Error(`redis ${args[0]} on 127.0.0.1:${port}: no reply within 3 s`)));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseResp(buffer, 0);
      if (parsed) {
        socket.end();
        resolve(parsed.value);
      }
    });
  });
}

/** One RESP value at offset, or undefined while incomplete. */
function parseResp(buffer: Buffer, offset: number): { value: RespValue; next: number } | undefined {
  const end = buffer.indexOf('\r\n', offset);
  if (end < 0) return undefined;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString('utf8', offset + 1, end);
  switch (type) {
    case '+':
      return { value: line, next: end + 2 };
    case '-':
      return { value: { error: line }, next: end + 2 };
    case ':':
      return { value: Number(line), next: end + 2 };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: end + 2 };
      if (buffer.length < end + 2 + length + 2) return undefined;
      return { value: buffer.toString('utf8', end + 2, end + 2 + length), next: end + 2 + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: end + 2 };
      const items: RespValue[] = [];
      let next = end + 2;
      for (let i = 0; i < count; i += 1) {
        const item = parseResp(buffer, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buffer.toString('utf8', offset, end))}`);
  }
}
