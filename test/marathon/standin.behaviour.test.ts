/**
 * The stand-in's behaviours, each pinned against the Marathon fact it follows (the comments
 * name the Marathon source file). In-process tasks (fast): each task still has a network
 * namespace of its own, reached from the host only through its host ports. App definitions
 * are written by hand and sent over the REST API, never rendered by src/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { until } from '../support/until.js';

const SECOND_MS = 50;

type Json = Record<string, any>;

let standin: MarathonStandin;

beforeAll(async () => {
  standin = await startMarathonStandin({ runner: 'in-process', secondMs: SECOND_MS, agentHost: 'agent-1.standin' });
});

afterAll(() => standin.close());

async function put(def: Json): Promise<Json> {
  const res = await fetch(`${standin.url}/v2/apps${def.id}?partialUpdate=false&force=true`, { method: 'PUT', body: JSON.stringify(def), headers: { 'content-type': 'application/json' } });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBeLessThan(300);
  return body;
}

async function app(id: string, ...embed: string[]): Promise<Json> {
  const query = embed.map((e) => `embed=${e}`).join('&');
  return ((await (await fetch(`${standin.url}/v2/apps${id}?${query}`)).json()) as { app: Json }).app;
}

async function deployments(): Promise<Json[]> {
  return (await (await fetch(`${standin.url}/v2/deployments`)).json()) as Json[];
}

async function get(port: number, path = '/'): Promise<{ status: number; body: Json } | { error: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.json()) as Json };
  } catch (error) {
    return { error: String((error as Error).cause ?? error) };
  }
}

const bridged = (id: string, extra: Json = {}): Json => ({
  id,
  cpus: 0.1,
  mem: 32,
  instances: 1,
  container: { type: 'DOCKER', docker: { image: 'standin/healthy:1' }, portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }] },
  networks: [{ mode: 'container/bridge' }],
  taskKillGracePeriodSeconds: 1,
  ...extra,
});

const httpCheck = (extra: Json = {}): Json => ({ protocol: 'HTTP', portIndex: 0, path: '/health/live', gracePeriodSeconds: 0, intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 2, ...extra });

const eventsOf = (type: string, match: (e: Json) => boolean = () => true) => standin.events.history.filter((e) => e.eventType === type && match(e));

describe('bridge networking (docs/docs/ports.md, task-environment-vars.md)', () => {
  it('a task that binds its container port ($PORT from the app env) serves on its host port and turns healthy', async () => {
    await put(bridged('/net/good', { env: { PORT: '8080' }, args: ['PORT'], healthChecks: [httpCheck()] }));
    const task = await until('a healthy task', async () => (await app('/net/good', 'app.tasks')).tasks?.find((t: Json) => t.healthCheckResults?.[0]?.alive));
    const hostPort = task.ports[0] as number;
    expect(hostPort).not.toBe(8080);
    expect(await get(hostPort)).toMatchObject({ status: 200, body: { port: 8080 } });
    // The environment it was started with, as Marathon builds it: host ports in every port
    // variable, the app's PORT last, HOST the agent.
    const env = ((await get(hostPort, '/env')) as { body: Json }).body;
    expect(env).toMatchObject({ PORT0: String(hostPort), PORT_8080: String(hostPort), PORT_HTTP: String(hostPort), PORTS: String(hostPort), PORT: '8080', HOST: 'agent-1.standin', MARATHON_APP_ID: '/net/good', MESOS_TASK_ID: task.id });
  });

  it('a task that binds $PORT0 (a host port) inside its namespace is reachable nowhere, never healthy, and killed', async () => {
    await put(bridged('/net/port0', { args: ['PORT0'], healthChecks: [httpCheck()] }));
    const task = await until('a running task', async () => (await app('/net/port0', 'app.tasks')).tasks?.find((t: Json) => t.state === 'TASK_RUNNING'));
    expect(await get(task.ports[0])).toMatchObject({ error: expect.any(String) });
    const failure = await until('the health check kill', async () => (await app('/net/port0', 'app.lastTaskFailure')).lastTaskFailure);
    expect(failure).toMatchObject({ state: 'TASK_KILLED', message: expect.stringContaining('health check failed') });
    expect(eventsOf('unhealthy_instance_kill_event', (e) => e.appId === '/net/port0').length).toBeGreaterThan(0);
    // A deployment never fails by itself (TaskReplaceActor/TaskStartActor wait for healthy tasks).
    expect((await deployments()).some((d) => d.affectedApps.includes('/net/port0'))).toBe(true);
  });

  it('MESOS_HTTP probes inside the namespace, on the container port (HealthCheck.scala, MesosHealthCheckWithPorts)', async () => {
    // The program listens on 8080 in its namespace only: Marathon's own check on the host port
    // could not tell that apart, the agent-side check reaches it directly.
    await put(bridged('/net/mesos', { healthChecks: [{ ...httpCheck(), protocol: 'MESOS_HTTP', delaySeconds: 0 }] }));
    await until('a healthy task', async () => (await app('/net/mesos', 'app.counts')).tasksHealthy === 1);
    // Its container port is not a host port: nothing answers on 127.0.0.1:8080 for it.
    const task = (await app('/net/mesos', 'app.tasks')).tasks[0];
    expect(task.ports[0]).not.toBe(8080);
  });
});

describe('health checks (core/health/impl/HealthCheckActor.scala, Health.scala)', () => {
  it('Marathon checks kill once the failures counted BEFORE the current one reach maxConsecutiveFailures', async () => {
    await put(bridged('/hc/count', { container: { ...bridged('').container, docker: { image: 'standin/never-healthy:1' } }, healthChecks: [httpCheck({ maxConsecutiveFailures: 2 })] }));
    const kill = await until('the kill event', async () => eventsOf('unhealthy_instance_kill_event', (e) => e.appId === '/hc/count')[0]);
    const failedBefore = standin.events.history.filter((e) => e.eventType === 'failed_health_check_event' && e.appId === '/hc/count' && e.taskId === kill.instanceId && e.timestamp <= kill.timestamp);
    expect(failedBefore).toHaveLength(3);
    // core/event/Events.scala UnhealthyInstanceKillEvent, all fields.
    expect(Object.keys(kill).sort()).toEqual(['appId', 'eventType', 'host', 'instanceId', 'reason', 'slaveId', 'taskId', 'timestamp', 'version']);
    await fetch(`${standin.url}/v2/apps/hc/count?force=true`, { method: 'DELETE' });
  });

  it('maxConsecutiveFailures 0: a Marathon check never kills', async () => {
    await put(bridged('/hc/never', { container: { ...bridged('').container, docker: { image: 'standin/never-healthy:1' } }, healthChecks: [httpCheck({ maxConsecutiveFailures: 0 })] }));
    const task = await until('failing checks', async () => (await app('/hc/never', 'app.tasks')).tasks?.find((t: Json) => t.healthCheckResults?.[0]?.consecutiveFailures >= 10));
    expect(task.healthCheckResults[0]).toMatchObject({ alive: false, lastFailureCause: expect.any(String) });
    expect(eventsOf('unhealthy_instance_kill_event', (e) => e.appId === '/hc/never')).toEqual([]);
    await fetch(`${standin.url}/v2/apps/hc/never?force=true`, { method: 'DELETE' });
  });

  it('maxConsecutiveFailures 0: a MESOS_ check kills at the first failure', async () => {
    await put(bridged('/hc/mesos0', { container: { ...bridged('').container, docker: { image: 'standin/never-healthy:1' } }, healthChecks: [{ ...httpCheck({ maxConsecutiveFailures: 0 }), protocol: 'MESOS_HTTP', delaySeconds: 0 }] }));
    const failure = await until('the kill', async () => (await app('/hc/mesos0', 'app.lastTaskFailure')).lastTaskFailure);
    expect(failure).toMatchObject({ state: 'TASK_KILLED' });
    await fetch(`${standin.url}/v2/apps/hc/mesos0?force=true`, { method: 'DELETE' });
  });

  it('within gracePeriodSeconds, failures of a task never healthy are ignored (no result, no event)', async () => {
    await put(bridged('/hc/grace', { container: { ...bridged('').container, docker: { image: 'standin/never-healthy:1' } }, healthChecks: [httpCheck({ gracePeriodSeconds: 200 })] }));
    await until('a running task', async () => (await app('/hc/grace', 'app.tasks')).tasks?.find((t: Json) => t.state === 'TASK_RUNNING'));
    await new Promise((r) => setTimeout(r, 20 * SECOND_MS));
    const found = await app('/hc/grace', 'app.tasks', 'app.counts');
    expect(found.tasks[0].healthCheckResults).toEqual([]);
    expect(found).toMatchObject({ tasksHealthy: 0, tasksUnhealthy: 0, tasksRunning: 1 });
    expect(eventsOf('failed_health_check_event', (e) => e.appId === '/hc/grace')).toEqual([]);
    await fetch(`${standin.url}/v2/apps/hc/grace?force=true`, { method: 'DELETE' });
  });
});

describe('readiness checks (core/readiness/ReadinessCheckExecutor.scala: the port named portName)', () => {
  const twoPorts = (portName: string) =>
    bridged(`/ready/${portName}`, {
      container: { type: 'DOCKER', docker: { image: 'standin/healthy:1' }, portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }, { containerPort: 8081, hostPort: 0, name: 'admin' }] },
      // The program listens on 8080 only.
      args: ['8080'],
      readinessChecks: [{ name: 'r', protocol: 'HTTP', path: '/health/ready', portName, intervalSeconds: 1, timeoutSeconds: 1, httpStatusCodesForReady: [200] }],
    });

  it('a readiness check on the port that serves lets the deployment finish; on another port it never does', async () => {
    const good = await put(twoPorts('http'));
    const bad = await put(twoPorts('admin'));
    await until('the good deployment to finish', async () => !(await deployments()).some((d) => d.id === good.deploymentId));
    await new Promise((r) => setTimeout(r, 10 * SECOND_MS));
    expect((await deployments()).map((d) => d.id)).toContain(bad.deploymentId);
    await fetch(`${standin.url}/v2/apps/ready/admin?force=true`, { method: 'DELETE' });
  });
});

describe('apps, deployments and events', () => {
  it('tasks carry their version; taskStats splits them by version (TaskStatsByVersion.scala); /v2/deployments lists running ones only', async () => {
    const id = '/stats/svc';
    const first = await put(bridged(id, { instances: 2, healthChecks: [httpCheck()] }));
    await until('the first deployment', async () => !(await deployments()).some((d) => d.id === first.deploymentId));
    const v1 = await app(id, 'app.tasks', 'app.taskStats');
    expect(v1.tasks.map((t: Json) => t.version)).toEqual([v1.version, v1.version]);
    expect(Object.keys(v1.taskStats).sort()).toEqual(['startedAfterLastScaling', 'totalSummary', 'withLatestConfig']);
    expect(v1.taskStats.withLatestConfig.stats.counts).toEqual({ staged: 0, running: 2, healthy: 2, unhealthy: 0 });
    expect(eventsOf('deployment_success', (e) => e.id === first.deploymentId)).toEqual([expect.objectContaining({ id: first.deploymentId, plan: expect.objectContaining({ id: first.deploymentId }) })]);

    // A new version that never gets ready: the old tasks stay, the deployment keeps running.
    const second = await put(bridged(id, { instances: 2, healthChecks: [httpCheck()], container: { ...bridged('').container, docker: { image: 'standin/not-ready:2' } }, readinessChecks: [{ name: 'r', protocol: 'HTTP', path: '/health/ready', portName: 'http', intervalSeconds: 1, timeoutSeconds: 1, httpStatusCodesForReady: [200] }] }));
    const mixed = await until('old and new tasks side by side', async () => {
      const a = await app(id, 'app.tasks', 'app.taskStats');
      return a.taskStats.withOutdatedConfig && a.taskStats.withLatestConfig?.stats.counts.running >= 1 ? a : undefined;
    });
    expect(new Set(mixed.tasks.map((t: Json) => t.version))).toEqual(new Set([v1.version, second.version]));
    expect(mixed.taskStats.withOutdatedConfig.stats.counts.running).toBeGreaterThanOrEqual(1);
    expect((await deployments()).map((d) => d.id)).toContain(second.deploymentId);
    expect(mixed.deployments).toEqual([{ id: second.deploymentId }]);
    await fetch(`${standin.url}/v2/apps${id}?force=true`, { method: 'DELETE' });
  });

  it('events in Marathon 1.x shapes over the SSE stream (core/event/Events.scala, api/v2/json/Formats.scala)', async () => {
    const controller = new AbortController();
    const res = await fetch(`${standin.url}/v2/events`, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
    const seen: Json[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk);
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const data = buffer.slice(0, i).split('\n').find((l) => l.startsWith('data: '));
          buffer = buffer.slice(i + 2);
          if (data) seen.push(JSON.parse(data.slice(6)) as Json);
        }
      }
    })().catch(() => undefined);
    const ref = await put(bridged('/events/svc', { healthChecks: [httpCheck()] }));
    await until('deployment_success', async () => seen.find((e) => e.eventType === 'deployment_success' && e.id === ref.deploymentId));
    controller.abort();
    await reading;

    const health = seen.find((e) => e.eventType === 'instance_health_changed_event' && e.runSpecId === '/events/svc' && e.healthy === true)!;
    expect(Object.keys(health).sort()).toEqual(['eventType', 'healthy', 'instanceId', 'runSpecId', 'runSpecVersion', 'timestamp']);
    expect(health.runSpecVersion).toBe(ref.version);
    const running = seen.find((e) => e.eventType === 'status_update_event' && e.appId === '/events/svc' && e.taskStatus === 'TASK_RUNNING')!;
    expect(Object.keys(running).sort()).toEqual(['appId', 'eventType', 'host', 'ipAddresses', 'message', 'ports', 'slaveId', 'taskId', 'taskStatus', 'timestamp', 'version']);
    expect(running).toMatchObject({ host: 'agent-1.standin', version: ref.version });
    const changed = seen.find((e) => e.eventType === 'health_status_changed_event' && e.appId === '/events/svc')!;
    expect(changed).toMatchObject({ instanceId: health.instanceId, version: ref.version, alive: true });
    const success = seen.find((e) => e.eventType === 'deployment_success' && e.id === ref.deploymentId)!;
    expect(Object.keys(success).sort()).toEqual(['eventType', 'id', 'plan', 'timestamp']);
  });

  it('rolling upgrade with minimumHealthCapacity 1, maximumOverCapacity 0: one extra task at most (TaskReplaceActor.computeRestartStrategy)', async () => {
    const id = '/roll/svc';
    // Probes with room to spare (a Marathon second is 50 ms here): a slow probe must not count as unhealthy.
    const strategy = { upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0 }, instances: 2, healthChecks: [httpCheck({ intervalSeconds: 4, timeoutSeconds: 3 })] };
    const first = await put(bridged(id, strategy));
    await until('the first deployment', async () => !(await deployments()).some((d) => d.id === first.deploymentId));
    const second = await put(bridged(id, { ...strategy, env: { RELEASE: '2' } }));
    let most = 0;
    let fewestHealthy = Infinity;
    await until(
      'the upgrade',
      async () => {
        const a = await app(id, 'app.tasks');
        const alive = a.tasks.filter((t: Json) => t.state !== 'TASK_KILLING');
        most = Math.max(most, alive.length);
        fewestHealthy = Math.min(fewestHealthy, a.tasks.filter((t: Json) => t.state === 'TASK_RUNNING' && t.healthCheckResults[0]?.alive).length);
        return !(await deployments()).some((d) => d.id === second.deploymentId);
      },
      { timeoutMs: 20_000 },
    );
    expect(most).toBe(3);
    expect(fewestHealthy).toBeGreaterThanOrEqual(2);
    const done = await app(id, 'app.tasks');
    expect(done.tasks.map((t: Json) => t.version)).toEqual([second.version, second.version]);
    await fetch(`${standin.url}/v2/apps${id}?force=true`, { method: 'DELETE' });
  });
});

describe('leadership (api/LeaderProxyFilter.scala, core/event/impl/stream/HttpEventStreamActor.scala)', () => {
  it('during a leader election every request answers 502 and event streams are closed; afterwards all is back', async () => {
    const res = await fetch(`${standin.url}/v2/events`, { headers: { accept: 'text/event-stream' } });
    const ended = (async () => {
      for await (const _ of res.body as unknown as AsyncIterable<Uint8Array>) {
        // drain until the stand-in closes the stream
      }
    })().then(
      () => 'closed',
      () => 'closed',
    );
    standin.faults.electing = true;
    try {
      expect(await ended).toBe('closed');
      const info = await fetch(`${standin.url}/v2/info`);
      expect(info.status).toBe(502);
      expect(await info.text()).toContain('Could not determine the current leader');
      expect((await fetch(`${standin.url}/v2/events`)).status).toBe(502);
    } finally {
      standin.faults.electing = false;
    }
    expect((await fetch(`${standin.url}/v2/info`)).status).toBe(200);
  });

  it('while a new leader reloads its state, a running deployment is missing from the lists, then back', async () => {
    const holder = standin.engine.hold('/reload/svc');
    standin.faults.reloading = true;
    try {
      expect((await deployments()).map((d) => d.id)).not.toContain(holder);
    } finally {
      standin.faults.reloading = false;
    }
    expect((await deployments()).map((d) => d.id)).toContain(holder);
    standin.engine.release(holder);
  });
});

describe('Marathon 0.15 (marathon/event/Events.scala and health/HealthCheckActor.scala at v0.15.7)', () => {
  it('task ids without instances; health_status_changed_event names the taskId; no instance events', async () => {
    const old = await startMarathonStandin({ runner: 'in-process', secondMs: SECOND_MS, version: '0.15.7' });
    try {
      const def = {
        id: '/old/svc',
        cpus: 0.1,
        mem: 32,
        instances: 1,
        container: { type: 'DOCKER', docker: { image: 'standin/healthy:1', network: 'BRIDGE', portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }] } },
        healthChecks: [{ protocol: 'HTTP', portIndex: 0, path: '/health/live', gracePeriodSeconds: 0, intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 2 }],
      };
      const res = await fetch(`${old.url}/v2/apps/old/svc`, { method: 'PUT', body: JSON.stringify(def) });
      expect(res.status).toBe(201);
      const changed = await until('health_status_changed_event', async () => old.events.history.find((e) => e.eventType === 'health_status_changed_event'));
      const task = old.app('/old/svc')!.tasks[0]!;
      expect(task.id).toMatch(/^old_svc\.[0-9a-f-]{36}$/);
      expect(changed).toMatchObject({ appId: '/old/svc', taskId: task.id, alive: true });
      expect(changed).not.toHaveProperty('instanceId');
      expect(old.events.history.filter((e) => e.eventType.startsWith('instance_'))).toEqual([]);
      // A 0.15 422 body.
      const bad = await fetch(`${old.url}/v2/apps/old/bad`, { method: 'PUT', body: JSON.stringify({ ...def, id: '/old/bad', mem: 'lots' }) });
      expect(bad.status).toBe(422);
      expect(await bad.json()).toMatchObject({ message: 'Object is not valid', details: [expect.objectContaining({ attribute: expect.any(String), error: expect.any(String) })] });
    } finally {
      await old.close();
    }
  });
});

describe('rollback (api/v2/AppHelpers.scala rollback, upgrade/GroupVersioningUtil.scala, TaskReplaceActor.scala)', () => {
  it('PUT {version} of an earlier version is a new version: every task is replaced, those of that earlier version too', async () => {
    const id = '/rollback/svc';
    const first = await put(bridged(id, { healthChecks: [httpCheck()] }));
    await until('the first deployment', async () => !(await deployments()).some((d) => d.id === first.deploymentId));
    const before = (await app(id, 'app.tasks')).tasks.map((t: Json) => t.id);
    await put(bridged(id, { healthChecks: [httpCheck()], container: { ...bridged('').container, docker: { image: 'standin/never-healthy:2' } } }));
    const res = await fetch(`${standin.url}/v2/apps${id}?force=true`, { method: 'PUT', body: JSON.stringify({ id, version: first.version }) });
    const back = (await res.json()) as Json;
    expect(back.version).not.toBe(first.version);
    await until('the rollback deployment', async () => !(await deployments()).some((d) => d.id === back.deploymentId));
    const after = await app(id, 'app.tasks');
    expect(after.versionInfo.lastConfigChangeAt).toBe(back.version);
    expect(after.tasks.map((t: Json) => t.version)).toEqual([back.version]);
    expect(after.tasks.map((t: Json) => t.id).filter((t: string) => before.includes(t))).toEqual([]);
    await fetch(`${standin.url}/v2/apps${id}?force=true`, { method: 'DELETE' });
  });
});
