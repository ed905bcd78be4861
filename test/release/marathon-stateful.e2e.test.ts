/**
 * A stateful service on the marathon target, end to end: real docker engine and registry, the
 * Marathon stand-in running tasks as real containers with local persistent volumes that follow
 * their tasks (test/support/marathon-standin/volumes.ts), the built `shovel` bin. Data written to
 * the volume before a release that changes only configuration is still there after it, and
 * after a rollback, also the automatic one of a version that never gets ready; the old task
 * is gone before the new one starts on the volume; a change
 * Marathon refuses for such an app fails before anything is built.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { dockerSuite } from '../support/environment.js';
import type { ReleaseRecord } from '../../src/release/record.js';
import { commitAll, getJson, makeServiceRepo, runShovel, setBehaviour, type ShovelRun } from './helpers.js';

dockerSuite('shovel release --target marathon, a service with a persistent volume (stand-in with real containers)', (env) => {
  const serviceId = `shovel-pv-${randomBytes(3).toString('hex')}`;
  const appId = `/${serviceId}`;
  const SECRET = `token-${randomBytes(6).toString('hex')}`;
  let standin: MarathonStandin;
  let dir = '';
  const shovelEnv = () => ({ SHOVEL_DOCKER: env.docker, SHOVEL_REGISTRY_USER: env.registryUser, SHOVEL_REGISTRY_PASSWORD: env.registryPassword });
  const release = async (...args: string[]): Promise<{ run: ShovelRun; record: ReleaseRecord }> => {
    const run = await runShovel(['release', '--json', ...args], { cwd: dir, env: shovelEnv() });
    return { run, record: JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as ReleaseRecord };
  };
  const runningTasks = () => standin.app(appId)?.tasks.filter((t) => t.state === 'running') ?? [];
  /** The container of a task (the stand-in labels each with its Mesos task id). */
  const containerOf = async (taskId: string) => (await execa(env.docker, ['ps', '-q', '--filter', `label=MESOS_TASK_ID=${taskId}`])).stdout.trim();
  /** A file as the task's container sees it, at the path shovel.yml mounts the volume. */
  const inContainer = async (taskId: string, file: string) => {
    const result = await execa(env.docker, ['exec', await containerOf(taskId), 'cat', `/data/${file}`], { reject: false });
    return result.exitCode === 0 ? result.stdout : undefined;
  };
  const greeting = async () => {
    const [task] = runningTasks();
    const answer = task ? await getJson(`http://127.0.0.1:${task.ports[0]}/`) : { error: 'no task' };
    return 'body' in answer ? answer.body.greeting : answer.error;
  };
  const setGreeting = async (value: string) => {
    const file = `${dir}/shovel.yml`;
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^ {2}GREETING: .*$/m, `  GREETING: ${value}`));
    await commitAll(dir, `greeting: ${value}`);
  };

  beforeAll(async () => {
    // A cluster with a secrets plugin (docs/docs/secrets.md): the store holds the value, the
    // app definition only its path.
    standin = await startMarathonStandin({ runner: 'docker', docker: env.docker, features: ['secrets'], secretStore: { 'shovel/e2e/token': SECRET } });
    dir = await makeServiceRepo({
      registry: env.registry,
      nodeImage: env.nodeImage,
      serviceId,
      extraYaml: `marathon:\n  url: ${standin.url}\nsecrets:\n  API_TOKEN: shovel/e2e/token\nvolumes:\n  - containerPath: /data\n    name: data\n    persistent:\n      size: 64\n`,
    });
  });

  afterAll(async () => {
    await standin?.close();
    const docker = (...args: string[]) => execa(env.docker, args, { reject: false });
    const images = (await docker('images', '-q', '--filter', `label=shovel.service=${serviceId}`)).stdout.split('\n').filter(Boolean);
    if (images.length) await docker('rmi', '-f', ...new Set(images));
  });

  it('first release: a resident app with its volume mounted where shovel.yml says; exit 0', async () => {
    const { run, record } = await release();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record).toMatchObject({ outcome: 'healthy', target: 'marathon', appId });
    const def = standin.app(appId)!.def as Record<string, any>;
    expect(def).toMatchObject({ unreachableStrategy: 'disabled', upgradeStrategy: { maximumOverCapacity: 0, minimumHealthCapacity: 0.5 }, residency: {} });
    expect(def.container.volumes).toEqual([
      { containerPath: 'data', mode: 'RW', persistent: { size: 64 } },
      { containerPath: '/data', hostPath: 'data', mode: 'RW' },
    ]);
    const [task] = runningTasks();
    const volume = standin.app(appId)!.reservations[0]!.volumes[0]!;
    volume.data.set('kept', 'written before the release');
    expect(await inContainer(task!.id, 'kept')).toBe('written before the release');
    // The Marathon secret reached the task from the cluster's store; Shovel only sent its path.
    expect(def.secrets).toEqual({ API_TOKEN: { source: 'shovel/e2e/token' } });
    expect(def.env.API_TOKEN).toEqual({ secret: 'API_TOKEN' });
    expect((await execa(env.docker, ['exec', await containerOf(task!.id), 'printenv', 'API_TOKEN'])).stdout).toBe(SECRET);
    expect(`${run.stdout}${run.stderr}`).not.toContain(SECRET);
    // The software writes its own data there too.
    await execa(env.docker, ['exec', await containerOf(task!.id), 'sh', '-c', 'echo by the task > /data/own']);
    expect(volume.data.get('own')).toBe('by the task\n');
  });

  it('a configuration change is released onto the same volume: the old task stops before the new one starts; the data is there; exit 0', async () => {
    const [before] = runningTasks();
    const volumesBefore = standin.app(appId)!.reservations.map((r) => r.volumes[0]!.persistenceId);
    const since = standin.events.history.length;
    await setGreeting('changed');
    const { run, record } = await release();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.outcome).toBe('healthy');
    const [after] = runningTasks();
    expect(after!.id).not.toBe(before!.id);
    expect(after!.reservation!.volumes.map((v) => v.persistenceId)).toEqual(volumesBefore);
    expect(await greeting()).toBe('changed');
    expect(await inContainer(after!.id, 'kept')).toBe('written before the release');
    expect(await inContainer(after!.id, 'own')).toBe('by the task');
    const updates = standin.events.history
      .slice(since)
      .filter((e) => e.eventType === 'status_update_event' && e.appId === appId)
      .map((e) => `${e.taskId === before!.id ? 'old' : 'new'}:${String(e.taskStatus)}`);
    expect(updates.indexOf('old:TASK_KILLED')).toBeGreaterThanOrEqual(0);
    expect(updates.indexOf('old:TASK_KILLED')).toBeLessThan(updates.indexOf('new:TASK_STAGING'));
  });

  it('a rollback keeps the volume: the previous configuration serves the same data; exit 0', async () => {
    const run = await runShovel(['rollback', '--json'], { cwd: dir, env: shovelEnv() });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await greeting()).toBe('hello');
    const [task] = runningTasks();
    expect(await inContainer(task!.id, 'kept')).toBe('written before the release');
    expect(standin.app(appId)!.reservations).toHaveLength(1);
  });

  it('a version that never becomes ready is rolled back onto the same volume: exit 1, the data and the previous version there', async () => {
    const volume = standin.app(appId)!.reservations[0]!.volumes[0]!;
    await setBehaviour(dir, { ready: false, message: 'broken' });
    // A resident rollback stops the new task before the old version starts again: room for both.
    const { run, record } = await release('--deadline', '18');
    expect(run.exitCode).toBe(1);
    expect(record.error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    const [task] = runningTasks();
    expect(task!.reservation!.volumes[0]).toBe(volume);
    expect(standin.app(appId)!.reservations).toHaveLength(1);
    expect(await greeting()).toBe('hello');
    expect(await inContainer(task!.id, 'kept')).toBe('written before the release');
    await setBehaviour(dir, { ready: true, message: 'first' });
  });

  it('a change Marathon refuses for a resident app (memory) fails in Preflight, before any build: exit 2, the app untouched', async () => {
    const version = standin.app(appId)!.version;
    const file = `${dir}/shovel.yml`;
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^ {2}memory: 64$/m, '  memory: 128'));
    await commitAll(dir, 'more memory');
    const puts = standin.faults.putBodies.length;
    const { run, record } = await release();
    expect(run.exitCode, run.stderr).toBe(2);
    expect(record.error?.code).toBe('SHOVEL_ERR_MARATHON_STATEFUL');
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['Preflight:failed']);
    expect(run.stderr).toContain('mem: 64 -> 128');
    expect(standin.faults.putBodies.length).toBe(puts);
    expect(standin.app(appId)!.version).toBe(version);
  });
});
