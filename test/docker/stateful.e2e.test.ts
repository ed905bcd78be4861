/**
 * A stateful service on the docker target, end to end (real engine and registry): a tiny TCP
 * store that binds a fixed port (no port variable) and keeps its value on a persistent volume.
 *
 * - with no health check in shovel.yml, the image's HEALTHCHECK decides (docker's health status);
 * - tcp and command checks gate the next release, and the value survives it;
 * - the store logs every start and graceful stop into the volume: the log shows that two copies
 *   never ran on it at once, through releases, a failed release (the old container started
 *   again on the same volume and port) and `shovel stop`.
 * The tests run in order and share one service.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReleaseRecord } from '../../src/release/record.js';
import { portBusy } from '../../src/release/ports.js';
import { dockerSuite } from '../support/environment.js';
import { commitAll, git, runShovel } from '../release/helpers.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'store');

/** One request to the store: a line out, a line back. */
function ask(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer.trim()));
    socket.on('error', reject);
  });
}

dockerSuite('a stateful service on the docker target: fixed port, persistent volume, tcp/command/docker health (real engine and registry)', (env) => {
  const service = `store-${randomBytes(3).toString('hex')}`;
  const volume = `shovel-${service}-data`;
  const shovelEnv = { SHOVEL_DOCKER: env.docker, SHOVEL_DOCKER_NETWORK: 'host', SHOVEL_REGISTRY_USER: env.registryUser, SHOVEL_REGISTRY_PASSWORD: env.registryPassword };
  const docker = (...args: string[]) => execa(env.docker, args, { reject: false });
  let dir = '';
  let port = 0;
  const releases: ReleaseRecord[] = [];

  const running = async () => (await docker('ps', '--filter', `label=shovel.service=${service}`, '--format', '{{.Names}}')).stdout.split('\n').filter(Boolean);
  const volumeLog = async () => {
    const cat = await docker('run', '--rm', '--network', 'none', '--mount', `type=volume,source=${volume},target=/data,readonly`, env.nodeImage, 'cat', '/data/log');
    return cat.stdout.split('\n').filter(Boolean);
  };
  const writeConfig = async (health: string, greeting: string) => {
    await writeFile(
      path.join(dir, 'shovel.yml'),
      [
        'version: "1.0.0"',
        `service: { id: ${service} }`,
        `image: { repository: ${env.registry}/${service}, nodeImage: ${env.nodeImage} }`,
        'resources: { cpus: 0.1, memory: 64, instances: 1 }',
        'ports:',
        `  - { name: store, containerPort: ${port} }`,
        `args: [node, /app/store.js, "${port}"]`,
        'volumes:',
        '  - { name: data, containerPath: /data, persistent: { size: 16 } }',
        `env: { GREETING: ${greeting} }`,
        `health: { gracePeriodSeconds: 5, intervalSeconds: 2, timeoutSeconds: 1${health ? `, ${health}` : ''} }`,
        'shutdown: { delayMs: 0, timeoutMs: 1000 }',
        'killGracePeriodSeconds: 5',
        'release: { deadlineSeconds: 30 }',
        '',
      ].join('\n'),
    );
    await commitAll(dir, `health ${health || 'none'}, greeting ${greeting}`);
  };
  const release = async (...args: string[]) => {
    const run = await runShovel(['release', '--json', ...args], { cwd: dir, env: shovelEnv });
    return { run, record: JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as ReleaseRecord };
  };
  const revision = (record: ReleaseRecord) => record.git!.sha;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-store-'));
    await cp(FIXTURE, dir, { recursive: true });
    await git(dir, 'init', '-q');
    do port = 20000 + Math.floor(Math.random() * 20000);
    while (await portBusy(port, 'tcp'));
    await writeConfig('', 'one');
  });

  afterAll(async () => {
    const ids = (await docker('ps', '-aq', '--filter', `label=shovel.service=${service}`)).stdout.split('\n').filter(Boolean);
    if (ids.length) await docker('rm', '-f', ...ids);
    await docker('volume', 'rm', '-f', volume);
    const images = (await docker('images', '-q', `${env.registry}/${service}`)).stdout.split('\n').filter(Boolean);
    if (images.length) await docker('rmi', '-f', ...new Set(images));
  });

  it("no check in shovel.yml: the image's HEALTHCHECK decides; the store binds its fixed port, its data on the named volume", async () => {
    const { run, record } = await release();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.steps.find((s) => s.name === 'Wait for health')?.detail).toMatch(/^healthy after [\d.]+s \(docker health\)$/);
    expect(record.docker?.port).toBe(port);
    expect(record.url).toBe(`tcp://127.0.0.1:${port}`);
    expect(await ask(port, 'SET written by one')).toBe('OK');
    const [name] = await running();
    const mounts = JSON.parse((await docker('inspect', '--format', '{{json .Mounts}}', name!)).stdout) as Array<{ Type: string; Name?: string; Destination: string }>;
    expect(mounts).toContainEqual(expect.objectContaining({ Type: 'volume', Name: volume, Destination: '/data' }));
    releases.push(record);
  });

  it('tcp readiness and command liveness: a configuration change releases, the value is still there, one copy at a time', async () => {
    await writeConfig('readiness: { tcp: store }, liveness: { command: "test -s /data/log" }', 'two');
    const { run, record } = await release();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.steps.find((s) => s.name === 'Wait for health')?.detail).toMatch(/\(checks\)$/);
    expect(await ask(port, 'GET')).toBe('written by one');
    // The old copy stopped (gracefully: it logged it) before the new one started.
    expect(await volumeLog()).toEqual([`start ${revision(releases[0]!)} one`, `stop ${revision(releases[0]!)} one`, `start ${revision(record)} two`]);
    releases.push(record);
  });

  it('a failing command check: the new copy is stopped and removed, the old one starts again on the volume and the port', async () => {
    await writeConfig('readiness: { tcp: store }, liveness: { command: "echo no >&2; exit 3" }', 'three');
    const serving = await running();
    const { run, record } = await release('--deadline', '6');
    expect(run.exitCode).toBe(1);
    expect(record.error).toMatchObject({ code: 'SHOVEL_ERR_NOT_HEALTHY', step: 'Wait for health' });
    expect(run.stderr).toContain("liveness command 'echo no >&2; exit 3': failed: no");
    expect(await running()).toEqual(serving);
    expect(await ask(port, 'GET')).toBe('written by one');
    const two = revision(releases[1]!);
    const three = revision(record);
    expect((await volumeLog()).slice(2)).toEqual([`start ${two} two`, `stop ${two} two`, `start ${three} three`, `stop ${three} three`, `start ${two} two`]);
  });

  it('shovel stop: the store flushes (logs its stop) and exits 0; the next release starts on the same data', async () => {
    const stop = await runShovel(['stop'], { cwd: dir, env: shovelEnv });
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(await running()).toEqual([]);
    const two = revision(releases[1]!);
    expect((await volumeLog()).at(-1)).toBe(`stop ${two} two`);
    await writeConfig('readiness: { tcp: store }', 'four');
    const { run, record } = await release();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await ask(port, 'GET')).toBe('written by one');
    expect((await volumeLog()).at(-1)).toBe(`start ${revision(record)} four`);
    expect((await volumeLog()).some((line) => line.includes('OVERLAP'))).toBe(false);
  });
});
