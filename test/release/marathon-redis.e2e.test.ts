/**
 * redis-server from Debian's packages (test/fixtures/servers/redis) released to Marathon: the
 * stand-in runs its tasks as real containers, its dataset on a local persistent volume that
 * follows the task (test/support/marathon-standin/volumes.ts). Data written through the task's
 * host port survives a configuration change's release, exit 0: the old task is stopped first
 * (SIGTERM, then taskKillGracePeriodSeconds for redis to save its snapshot), and the new one
 * starts on the same volume and loads it. The tests run in order and share one service.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { serversSuite } from '../servers/environment.js';
import { editAndCommit, makeServerRepo, redis, removeService, shovel } from '../servers/fixture.js';
import { commitAll } from './helpers.js';

const RELEASE_TIMEOUT_MS = 300_000;

serversSuite('redis-server with a persistent volume, marathon target (stand-in with real containers)', ['redis-server'], (env) => {
  const service = `redis-m-${randomBytes(3).toString('hex')}`;
  const appId = `/${service}`;
  let standin: MarathonStandin;
  let dir = '';
  const task = () => standin.app(appId)?.tasks.find((t) => t.state === 'running');
  const volume = () => standin.app(appId)!.reservations[0]!.volumes[0]!;

  beforeAll(async () => {
    standin = await startMarathonStandin({ runner: 'docker', docker: env.docker });
    dir = await makeServerRepo(env, {
      name: service,
      fixtures: ['redis'],
      debSet: 'redis-server',
      files: ['shovel.yml'],
      // hostPort is the docker target's; Marathon picks host ports itself.
      values: { SERVICE: service, REGISTRY: env.registry, HOST_PORT: 16379, MAXMEMORY: '64mb' },
    });
    // A bridged task is reached at its container's address, not its loopback: redis listens on
    // every address there (the docker target's host networking wants 127.0.0.1).
    const file = `${dir}/shovel.yml`;
    const yml = (await readFile(file, 'utf8')).replace('BIND_ADDRESS: 127.0.0.1', 'BIND_ADDRESS: 0.0.0.0');
    await writeFile(file, `${yml}marathon:\n  url: ${standin.url}\n`);
    await commitAll(dir, 'release to marathon');
  });

  afterAll(async () => {
    await standin?.close();
    await removeService(env, service);
  });

  it('first release: exit 0; redis answers on the task\'s host port; its data directory is the persistent volume', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    const { run, record } = await shovel(env, dir, ['release', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record).toMatchObject({ outcome: 'healthy', target: 'marathon', appId });
    expect(standin.app(appId)!.def).toMatchObject({
      args: ['--maxmemory', '64mb'],
      container: { volumes: [{ containerPath: 'data', persistent: { size: 256 } }, { containerPath: '/var/lib/redis', hostPath: 'data' }] },
      healthChecks: [{ protocol: 'COMMAND' }],
      upgradeStrategy: { maximumOverCapacity: 0 },
      taskKillGracePeriodSeconds: 30,
    });
    const port = task()!.ports[0]!;
    expect(await redis(port, 'PING')).toBe('PONG');
    expect(await redis(port, 'SET', 'greeting', 'written before the change')).toBe('OK');
    // No save point falls due within the test (save 3600 1): nothing is on the volume yet.
    expect(Object.keys(volume().data.entries())).not.toContain('dump.rdb');
  });

  it('a configuration change (redis-server arguments) is released with exit 0, onto the same volume, with the data', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    const before = task()!;
    const persistenceId = volume().persistenceId;
    await editAndCommit(dir, 'shovel.yml', '"--maxmemory", "64mb"', '"--maxmemory", "96mb"');
    const { run, record } = await shovel(env, dir, ['release', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.outcome).toBe('healthy');
    const after = task()!;
    expect(after.id).not.toBe(before.id);
    expect(after.reservation!.volumes[0]!.persistenceId).toBe(persistenceId);
    const port = after.ports[0]!;
    expect(await redis(port, 'CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', String(96 * 1024 * 1024)]);
    // Only the old task's graceful stop (SIGTERM, time to save) can have put it on the volume.
    expect(Object.keys(volume().data.entries())).toContain('dump.rdb');
    expect(await redis(port, 'GET', 'greeting')).toBe('written before the change');
  });
});
