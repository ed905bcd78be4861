/**
 * redis-server from Debian's packages, released to the local engine with its dataset on a
 * persistent volume: data written through its host port survives a configuration change's
 * release, no two copies ever run on the volume, and `shovel stop` lets redis write its
 * snapshot (SIGTERM, then time to save) so the next release finds what was written last.
 * The tests run in order and share one service.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serversSuite } from './environment.js';
import { dockerOf, editAndCommit, freePort, makeServerRepo, redis, removeService, runningContainers, shovel } from './fixture.js';

const RELEASE_TIMEOUT_MS = 300_000;

serversSuite('redis-server with a persistent volume, docker target (real engine and registry)', ['redis-server'], (env) => {
  const service = `redis-${randomBytes(3).toString('hex')}`;
  const volume = `shovel-${service}-data`;
  const docker = dockerOf(env);
  let dir = '';
  let port = 0;

  /** Containers running on the volume, sampled while `during` runs: the most seen at once. */
  const mostOnVolume = async <T>(during: Promise<T>): Promise<{ result: T; most: number }> => {
    let done = false;
    let most = 0;
    const sampler = (async () => {
      while (!done) {
        const ids = (await docker('ps', '-q', '--filter', `volume=${volume}`)).stdout.split('\n').filter(Boolean);
        most = Math.max(most, ids.length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const result = await during;
    done = true;
    await sampler;
    return { result, most };
  };

  /** The files in the volume, read by a container of no network that mounts it read-only. */
  const volumeFiles = async (): Promise<string[]> => {
    const ls = await docker('run', '--rm', '--network', 'none', '-v', `${volume}:/data:ro`, env.nodeImage, 'ls', '-A', '/data');
    expect(ls.exitCode, ls.stderr).toBe(0);
    return ls.stdout.split('\n').filter(Boolean);
  };

  beforeAll(async () => {
    port = await freePort();
    dir = await makeServerRepo(env, {
      name: service,
      fixtures: ['redis'],
      debSet: 'redis-server',
      files: ['shovel.yml'],
      values: { SERVICE: service, REGISTRY: env.registry, HOST_PORT: port, MAXMEMORY: '64mb' },
    });
  });

  afterAll(async () => {
    await removeService(env, service);
  });

  it('first release: exit 0, redis answers on its host port, its data directory is the named volume', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    const { run, record } = await shovel(env, dir, ['release', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.outcome).toBe('healthy');
    // The version comes from shovel.yml (there is no package.json).
    expect(record.image?.tag).toMatch(/^7\.0\.15-[0-9a-f]{7}$/);
    expect(await redis(port, 'PING')).toBe('PONG');
    expect(await redis(port, 'SET', 'greeting', 'written before the change')).toBe('OK');
    // No save point falls due within the tests (save 3600 1): nothing is on disk yet.
    expect(await volumeFiles()).not.toContain('dump.rdb');
    const [container] = await runningContainers(env, service);
    expect(container).toBeDefined();
    const mounts = JSON.parse((await docker('inspect', '--format', '{{json .Mounts}}', container!)).stdout) as Array<{ Type: string; Name?: string; Destination: string }>;
    expect(mounts).toContainEqual(expect.objectContaining({ Type: 'volume', Name: volume, Destination: '/var/lib/redis' }));
  });

  it('a configuration change (redis-server arguments) releases with exit 0, the data still there, one copy at a time', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    const before = await runningContainers(env, service);
    await editAndCommit(dir, 'shovel.yml', '"--maxmemory", "64mb"', '"--maxmemory", "96mb"');
    const { result: { run, record }, most } = await mostOnVolume(shovel(env, dir, ['release', '--json']));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.outcome).toBe('healthy');
    expect(most).toBe(1);
    const after = await runningContainers(env, service);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    // The new configuration is the one running, on the same host port, with the old data.
    expect(await redis(port, 'CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', String(96 * 1024 * 1024)]);
    // Only the old copy's shutdown (SIGTERM, then time to save) can have written it to disk.
    expect(await redis(port, 'GET', 'greeting')).toBe('written before the change');
    expect(await volumeFiles()).toContain('dump.rdb');
  });

  it('shovel stop is graceful: redis saves its snapshot, the next release serves what was written last', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    // As above, only a graceful shutdown writes this key to disk.
    expect(await redis(port, 'SET', 'last', 'written before the stop')).toBe('OK');
    const stop = await shovel(env, dir, ['stop']);
    expect(stop.run.exitCode, stop.run.stderr).toBe(0);
    expect(await runningContainers(env, service)).toEqual([]);
    // `shovel logs` of the stopped service: redis saved on SIGTERM before it exited.
    const logs = await shovel(env, dir, ['logs']);
    expect(logs.run.exitCode, logs.run.stderr).toBe(0);
    expect(logs.run.stdout).toContain('Saving the final RDB snapshot before exiting.');
    expect(logs.run.stdout).toContain('DB saved on disk');
    expect(await volumeFiles()).toContain('dump.rdb');

    await editAndCommit(dir, 'shovel.yml', '"--maxmemory", "96mb"', '"--maxmemory", "128mb"');
    const { run } = await shovel(env, dir, ['release', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await redis(port, 'GET', 'last')).toBe('written before the stop');
    expect(await redis(port, 'GET', 'greeting')).toBe('written before the change');
  });
});
