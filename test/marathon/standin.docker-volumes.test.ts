/**
 * The stand-in's resident apps on the local Docker engine: a real container sees its
 * reservation's persistent volume where the app definition mounts it, COMMAND health checks
 * run inside the container (docker exec, as the Mesos agent runs them), and a task killed for
 * failing its check is relaunched on the same reservation, with the same data. App definitions
 * are written by hand (Marathon's documented shape, docs/docs/persistent-volumes.md), never
 * rendered by src/.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dockerSuite } from '../support/environment.js';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { until as pollUntil, type Probe } from '../support/until.js';

const run = promisify(execFile);

const until = <T>(what: string, probe: Probe<T>) => pollUntil(what, probe, { timeoutMs: 60_000, intervalMs: 100 });

dockerSuite('Marathon stand-in on Docker: resident apps', (env) => {
  let standin: MarathonStandin;
  let dir = '';
  const image = 'shovel-standin-idle:1';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-standin-pv-'));
    // A process that only waits, and stops at once on SIGTERM.
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${env.nodeImage}\nCMD ["node", "-e", "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000)"]\n`);
    await run(env.docker, ['build', '--network', 'host', '-t', image, dir], { env: { ...process.env, DOCKER_BUILDKIT: '1' } });
    standin = await startMarathonStandin({ runner: 'docker', docker: env.docker });
  }, 180_000);

  afterAll(async () => {
    await standin?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  /** One instance on a 16 MiB persistent volume "data", mounted at /var/lib/app (docs/docs/persistent-volumes.md). */
  const residentApp = (id: string) => ({
    id,
    cpus: 0.1,
    mem: 64,
    instances: 1,
    container: {
      type: 'DOCKER',
      docker: { image },
      volumes: [
        { containerPath: 'data', mode: 'RW', persistent: { size: 16 } },
        { containerPath: '/var/lib/app', hostPath: 'data', mode: 'RW' },
      ],
    },
    networks: [{ mode: 'container/bridge' }],
    upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 },
    unreachableStrategy: 'disabled',
    taskKillGracePeriodSeconds: 1,
  });

  /** PUT /v2/apps/{id}: created (201), and the stand-in's app of it. */
  async function putApp(def: { id: string } & Record<string, unknown>) {
    const res = await fetch(`${standin.url}/v2/apps${def.id}`, { method: 'PUT', body: JSON.stringify(def) });
    expect(res.status, await res.text()).toBe(201);
    return standin.app(def.id)!;
  }

  it('a COMMAND check runs inside the container; failing, it kills the task, which relaunches on its volume and passes once the volume holds the file', async () => {
    const id = '/standin/pv-command';
    const app = await putApp({
      ...residentApp(id),
      healthChecks: [{ protocol: 'COMMAND', command: { value: 'test -f /var/lib/app/ready' }, gracePeriodSeconds: 0, intervalSeconds: 1, timeoutSeconds: 5, maxConsecutiveFailures: 1, delaySeconds: 0 }],
      backoffSeconds: 1,
      backoffFactor: 1,
    });
    await until('a kill for the failing command', () => String(app.lastTaskFailure?.message ?? '').includes('COMMAND check "test -f /var/lib/app/ready" failed'));
    const reservation = app.reservations[0]!;
    const volume = reservation.volumes[0]!;
    volume.data.set('ready', 'yes');
    const healthy = await until('a healthy task', () => app.tasks.find((t) => t.state === 'running' && t.health[0]?.lastSuccess !== undefined));
    expect(healthy.reservation).toBe(reservation);
    expect(reservation.attempts).toBeGreaterThanOrEqual(2);
    expect(app.reservations).toHaveLength(1);
    // The container's own view: the same file at the mount, and at $MESOS_SANDBOX/data.
    const { stdout: ids } = await run(env.docker, ['ps', '-q', '--filter', `label=MESOS_TASK_ID=${healthy.id}`]);
    const { stdout } = await run(env.docker, ['exec', ids.trim(), 'sh', '-c', 'cat /var/lib/app/ready /mnt/mesos/sandbox/data/ready']);
    expect(stdout).toBe('yesyes');
  }, 120_000);

  it('cmd runs with /bin/sh -c in place of the image\'s command, and sees the volume (AppDefinition.json, cmd)', async () => {
    const id = '/standin/pv-cmd';
    const app = await putApp({
      ...residentApp(id),
      cmd: 'echo "ran as $MARATHON_APP_ID" > /var/lib/app/cmd-ran && exec node -e "process.on(\'SIGTERM\', () => process.exit(0)); setInterval(() => {}, 1000)"',
    });
    const volume = await until('the volume', () => app.reservations[0]?.volumes[0]);
    expect(await until('the file cmd writes', () => volume.data.get('cmd-ran'))).toBe(`ran as ${id}\n`);
    // The command goes on (exec node): the task keeps running.
    await until('a running task', () => app.tasks.some((t) => t.state === 'running'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(app.tasks.map((t) => t.state)).toEqual(['running']);
    expect(app.lastTaskFailure).toBeUndefined();
  }, 120_000);
});
