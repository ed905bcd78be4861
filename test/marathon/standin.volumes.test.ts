/**
 * The stand-in's resident apps: local persistent volumes that follow their tasks, pinned
 * against the Marathon facts they follow (mesosphere/marathon at v1.7.236;
 * docs/docs/persistent-volumes.md). In-process tasks (fast); app definitions written by hand
 * and sent over the REST API, never rendered by src/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { until as pollUntil, type Probe } from '../support/until.js';

const SECOND_MS = 50;

type Json = Record<string, any>;

let standin: MarathonStandin;

beforeAll(async () => {
  standin = await startMarathonStandin({ runner: 'in-process', secondMs: SECOND_MS });
});

afterAll(() => standin.close());

async function send(method: string, path: string, body?: Json): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${standin.url}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function put(def: Json): Promise<Json> {
  const { status, body } = await send('PUT', `/v2/apps${def.id}?partialUpdate=false`, def);
  expect(status, JSON.stringify(body)).toBeLessThan(300);
  return body;
}

async function app(id: string): Promise<Json> {
  return (await send('GET', `/v2/apps${id}?embed=app.tasks`)).body.app as Json;
}

const until = <T>(what: string, probe: Probe<T>) => pollUntil(what, probe, { intervalMs: 20 });

async function deploymentsOf(id: string): Promise<Json[]> {
  return ((await send('GET', '/v2/deployments')).body as unknown as Json[]).filter((d) => d.affectedApps.includes(id));
}

/** The one running, healthy task of an app, once there is exactly one and no deployment. */
async function settled(id: string): Promise<Json> {
  return until(`${id} settled`, async () => {
    const a = await app(id);
    const running = (a.tasks as Json[]).filter((t) => t.state === 'TASK_RUNNING' && t.healthCheckResults?.[0]?.alive);
    return running.length === a.instances && a.tasks.length === a.instances && (await deploymentsOf(id)).length === 0 && running;
  }).then((tasks) => tasks[0]!);
}

/** A file of the task's container, read through its host port (the in-process task serves /files/). */
async function fileInTask(task: Json, path: string): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${task.ports[0]}/files${path}`);
  return res.status === 200 ? ((await res.json()) as { content: string }).content : undefined;
}

/**
 * The shape persistent-volumes.md documents for software that needs an absolute path (the MySQL
 * example): a persistent volume with a relative containerPath, and a host volume whose relative
 * hostPath names it, mounted where the software reads.
 */
const resident = (id: string, extra: Json = {}): Json => ({
  id,
  cpus: 0.1,
  mem: 32,
  instances: 1,
  container: {
    type: 'DOCKER',
    docker: { image: 'standin/healthy:1' },
    portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }],
    volumes: [
      { containerPath: 'data', mode: 'RW', persistent: { size: 16 } },
      { containerPath: '/var/lib/app', hostPath: 'data', mode: 'RW' },
    ],
  },
  networks: [{ mode: 'container/bridge' }],
  healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 0, path: '/health/live', gracePeriodSeconds: 5, intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 3, delaySeconds: 0 }],
  upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 },
  unreachableStrategy: 'disabled',
  taskKillGracePeriodSeconds: 1,
  ...extra,
});

describe('resident apps: the volume follows the task (persistent-volumes.md, InstanceOpFactoryImpl.scala)', () => {
  it('a task sees its reservation\'s volume at the mount; the test reads and writes the same data', async () => {
    await put(resident('/pv/basic'));
    const task = await settled('/pv/basic');
    // raml/TaskConversion.scala + LocalVolume.scala: {containerPath, persistenceId}.
    expect(task.localVolumes).toEqual([{ containerPath: 'data', persistenceId: expect.stringMatching(/^pv_basic#data#[0-9a-f-]+$/) }]);
    const [reservation] = standin.app('/pv/basic')!.reservations;
    expect(reservation!.volumes[0]!.persistenceId).toBe(task.localVolumes[0].persistenceId);
    reservation!.volumes[0]!.data.set('seed', 'from the test');
    expect(await fileInTask(task, '/var/lib/app/seed')).toBe('from the test');
    // The same volume at $MESOS_SANDBOX/data too (the persistent volume's own mount).
    expect(await fileInTask(task, '/mnt/mesos/sandbox/data/seed')).toBe('from the test');
    const written = await fetch(`http://127.0.0.1:${task.ports[0]}/files/var/lib/app/by-task`, { method: 'PUT', body: 'from the task' });
    expect(written.status).toBe(200);
    expect(reservation!.volumes[0]!.data.entries()).toEqual({ seed: 'from the test', 'by-task': 'from the task' });
    // Outside a volume the container has nothing of the agent's.
    expect(await fileInTask(task, '/etc/hostname')).toBeUndefined();
  });

  it('an upgrade (maximumOverCapacity 0) kills the old task BEFORE the new one starts; the new one runs on the same reservation and sees the data', async () => {
    const id = '/pv/upgrade';
    await put(resident(id));
    const first = await settled(id);
    standin.app(id)!.reservations[0]!.volumes[0]!.data.set('counter', '41');
    const since = standin.events.history.length;
    await put(resident(id, { env: { CONFIG: 'changed' } }));
    const second = await settled(id);
    expect(second.id).not.toBe(first.id);
    // core/task/Task.scala, Task.Id.forResidentTask: same instance, next attempt.
    expect(first.id).toMatch(/^pv_upgrade\.instance-[0-9a-f-]+\.\$anon\.1$/);
    expect(second.id).toBe(first.id.replace(/\.1$/, '.2'));
    expect(second.localVolumes).toEqual(first.localVolumes);
    expect(await fileInTask(second, '/var/lib/app/counter')).toBe('41');
    // The order of status updates: the old task is gone before the new one is even staged.
    const updates = standin.events.history
      .slice(since)
      .filter((e) => e.eventType === 'status_update_event' && e.appId === id)
      .map((e) => `${e.taskId === first.id ? 'old' : 'new'}:${String(e.taskStatus)}`);
    expect(updates.indexOf('old:TASK_KILLED')).toBeGreaterThanOrEqual(0);
    expect(updates.indexOf('old:TASK_KILLED')).toBeLessThan(updates.indexOf('new:TASK_STAGING'));
    expect(standin.app(id)!.reservations).toHaveLength(1);
  });

  it('without an upgradeStrategy a resident app gets {0.5, 0} (AppConversion.scala): two instances never exceed two tasks, one per volume', async () => {
    const id = '/pv/two';
    const { upgradeStrategy: _, ...noStrategy } = resident(id, { instances: 2 });
    await put(noStrategy);
    await until('two healthy tasks', async () => {
      const a = await app(id);
      return a.tasks.length === 2 && a.tasks.every((t: Json) => t.healthCheckResults?.[0]?.alive) && (await deploymentsOf(id)).length === 0;
    });
    const volumesBefore = (await app(id)).tasks.map((t: Json) => t.localVolumes[0].persistenceId).sort();
    let most = 0;
    let shared = false;
    let done = false;
    const watch = (async () => {
      while (!done) {
        const tasks = standin.app(id)!.tasks;
        most = Math.max(most, tasks.length);
        const held = tasks.map((t) => t.reservation!.volumes[0]!.persistenceId);
        if (new Set(held).size !== held.length) shared = true;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await put({ ...noStrategy, env: { CONFIG: 'changed' } });
    await until('the upgrade', async () => {
      const a = await app(id);
      return (await deploymentsOf(id)).length === 0 && a.tasks.length === 2 && a.tasks.every((t: Json) => t.version === a.version && t.healthCheckResults?.[0]?.alive);
    });
    done = true;
    await watch;
    expect(most).toBeLessThanOrEqual(2);
    expect(shared).toBe(false);
    expect((await app(id)).tasks.map((t: Json) => t.localVolumes[0].persistenceId).sort()).toEqual(volumesBefore);
  });

  it('a task that dies is relaunched on its reservation, with the same data', async () => {
    const id = '/pv/crash';
    await put(resident(id, { container: { ...resident(id).container, docker: { image: 'standin/crash:1' } }, healthChecks: [], backoffSeconds: 1 }));
    const volume = await until('a reservation', async () => standin.app(id)?.reservations[0]?.volumes[0]);
    volume.data.set('kept', 'yes');
    const reservation = standin.app(id)!.reservations[0]!;
    await until('a third launch', async () => reservation.attempts >= 3);
    expect(standin.app(id)!.reservations).toHaveLength(1);
    expect(reservation.volumes[0]).toBe(volume);
    expect(volume.data.get('kept')).toBe('yes');
    await send('DELETE', `/v2/apps${id}?force=true`);
  });

  it('a rollback (PUT {version}) keeps the volume; scaling to 0 and back keeps it too (the reservation waits)', async () => {
    const id = '/pv/rollback';
    const v1 = (await put(resident(id))).version as string;
    await settled(id);
    standin.app(id)!.reservations[0]!.volumes[0]!.data.set('db', 'rows');
    await put(resident(id, { env: { CONFIG: 'two' } }));
    await settled(id);
    const back = await send('PUT', `/v2/apps${id}`, { id, version: v1 });
    expect(back.status).toBe(200);
    const task = await settled(id);
    expect((await app(id)).env).toBeUndefined();
    expect(await fileInTask(task, '/var/lib/app/db')).toBe('rows');
    await put(resident(id, { instances: 0 }));
    await until('scaled to 0', async () => (await app(id)).tasks.length === 0 && (await deploymentsOf(id)).length === 0);
    expect(standin.app(id)!.reservations).toHaveLength(1);
    expect(standin.app(id)!.reservations[0]!.holder).toBeUndefined();
    await put(resident(id, { instances: 1 }));
    const again = await settled(id);
    expect(await fileInTask(again, '/var/lib/app/db')).toBe('rows');
    expect(again.localVolumes).toEqual(task.localVolumes);
  });

  it('deleting the app destroys its reservations (persistent-volumes.md)', async () => {
    const id = '/pv/delete';
    await put(resident(id));
    await settled(id);
    const app = standin.app(id)!;
    expect(app.reservations).toHaveLength(1);
    expect((await send('DELETE', `/v2/apps${id}`)).status).toBe(200);
    await until('removed', async () => !standin.engine.removing.has(id) && app.reservations.length === 0);
  });
});

describe('resident app validation (api/v2/validation/AppValidation.scala, SchedulingValidation.scala, state/AppDefinition.scala)', () => {
  const refused = async (def: Json): Promise<string[]> => {
    const { status, body } = await send('PUT', `/v2/apps${def.id}?partialUpdate=false`, def);
    expect(status, JSON.stringify(body)).toBe(422);
    return (body.details as Array<{ path: string; errors: string[] }>).map((d) => `${d.path}: ${d.errors.join('; ')}`);
  };

  it.each<[string, (d: Json) => void, RegExp]>([
    ['maximumOverCapacity above 0', (d) => (d.upgradeStrategy.maximumOverCapacity = 0.5), /upgradeStrategy\/maximumOverCapacity: must be 0 for resident tasks/],
    ['an absolute persistent containerPath', (d) => (d.container.volumes[0].containerPath = '/data'), /containerPath: value must not contain "\/"/],
    ['a read-only persistent volume', (d) => (d.container.volumes[0].mode = 'RO'), /mode: must be RW/],
    ['size 0', (d) => (d.container.volumes[0].persistent.size = 0), /size: must be greater than 0/],
    ['an unreachableStrategy other than disabled', (d) => (d.unreachableStrategy = { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }), /unreachableStrategy must be disabled for resident tasks/],
    ['two Mesos health checks', (d) => d.healthChecks.push({ protocol: 'COMMAND', command: { value: 'true' } }), /at most one Mesos health check/],
  ])('refuses %s', async (_name, mutate, expected) => {
    const def = resident(`/pv/bad-${Math.random().toString(36).slice(2, 8)}`);
    mutate(def);
    expect((await refused(def)).join('\n')).toMatch(expected);
  });

  it('an update may not change the volumes or the resources of a resident app (residentUpdateIsValid)', async () => {
    const id = '/pv/update';
    await put(resident(id));
    expect((await refused(resident(id, { mem: 64 }))).join('\n')).toMatch(/\/mem: Services with persistent volumes configured may not change resource requirements/);
    const grown = resident(id);
    grown.container.volumes[0].persistent.size = 32;
    expect((await refused(grown)).join('\n')).toMatch(/Persistent volumes can not be changed!/);
    // Adding a volume to an app that had none is a change of its volumes too.
    const plain = resident('/pv/plain');
    plain.container.volumes = [];
    await put(plain);
    expect((await refused(resident('/pv/plain'))).join('\n')).toMatch(/Persistent volumes can not be changed!/);
    // Anything else may change.
    await settled(id);
    await put(resident(id, { env: { A: 'b' }, labels: { L: 'x' } }));
  });

  it('secrets need the secrets feature (Validation.scala featureEnabled; EnvVarValidation.scala)', async () => {
    const errors = await refused(resident('/pv/secret', { secrets: { pw: { source: 'db/password' } }, env: { DB_PASSWORD: { secret: 'pw' } } }));
    expect(errors.join('\n')).toMatch(/\/secrets: Feature secrets is not enabled/);
    expect(errors.join('\n')).toMatch(/\/env\/DB_PASSWORD: use of secret-references in the environment requires the secrets feature/);
    // docs/docs/secrets.md: with the feature and a plugin's store, the task gets the value.
    const withSecrets = await startMarathonStandin({ runner: 'in-process', secondMs: SECOND_MS, features: ['secrets'], secretStore: { 'db/password': 's3cret' } });
    try {
      const ok = await fetch(`${withSecrets.url}/v2/apps/pv/secret`, { method: 'PUT', body: JSON.stringify(resident('/pv/secret', { secrets: { pw: { source: 'db/password' } }, env: { DB_PASSWORD: { secret: 'pw' }, PLAIN: 'x' } })) });
      expect(ok.status).toBe(201);
      const task = await until('a running task', async () => withSecrets.app('/pv/secret')?.tasks.find((t) => t.state === 'running'));
      const env = (await (await fetch(`http://127.0.0.1:${task.ports[0]}/env`)).json()) as Json;
      expect(env).toMatchObject({ DB_PASSWORD: 's3cret', PLAIN: 'x' });
      const dangling = await fetch(`${withSecrets.url}/v2/apps/pv/dangling`, { method: 'PUT', body: JSON.stringify(resident('/pv/dangling', { env: { DB_PASSWORD: { secret: 'nope' } } })) });
      expect(dangling.status).toBe(422);
    } finally {
      await withSecrets.close();
    }
  });
});
