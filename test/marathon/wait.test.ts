/**
 * The wait: `decide` as a table (pure), then the driver against the stand-in with in-process
 * tasks (real HTTP health checks, a Marathon second shrunk to 50 ms).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarathonClient } from '../../src/marathon/client.js';
import type { MarathonApp, MarathonTask } from '../../src/marathon/types.js';
import { concernsUs } from '../../src/marathon/events.js';
import { decide, waitForDeployment, type Observation } from '../../src/marathon/wait.js';
import type { MarathonStandin } from '../support/marathon-standin/index.js';
import { startInProcessStandin } from './in-process-standin.js';

// Marathon versions are ISO-8601 timestamps: a later change has a later version.
const PREV = '2024-05-01T09:00:00.000Z';
const V = '2024-05-01T10:00:00.000Z';
const LATER = '2024-05-01T11:00:00.000Z';
const ID = 'dep-1';

/** One task as GET /v2/apps/{id} lists it (raml/TaskConversion.scala). */
function task(version: string, health: 'healthy' | 'unhealthy' | 'none' = 'healthy', state = 'TASK_RUNNING'): MarathonTask {
  return {
    id: `t-${Math.random().toString(36).slice(2)}`,
    appId: '/a',
    state,
    version,
    startedAt: '2024-05-01T10:00:01.000Z',
    healthCheckResults: health === 'none' ? [] : [{ alive: health === 'healthy' }],
  };
}

interface Case {
  /** Our deployment listed in GET /v2/deployments. */
  listed?: boolean;
  /** Other deployments touching the app (GET /v2/deployments, affectedApps). */
  foreign?: Array<{ id: string; version: string }>;
  seenRunning?: boolean;
  /** ms since our deployment left the list (grace is 1000). */
  goneFor?: number;
  now?: number;
  app?: Partial<MarathonApp> | null;
}

function obs(c: Case): Observation {
  const now = c.now ?? 10_000;
  const foreign = (c.foreign ?? []).map((d) => ({ ...d, affectedApps: ['/a'] }));
  return {
    now,
    deadline: 60_000,
    appId: '/a',
    ours: { deploymentId: ID, version: V, instances: 2 },
    deployments: [...(c.listed ? [{ id: ID, version: V, affectedApps: ['/a'] }] : []), ...foreign, { id: 'elsewhere', version: LATER, affectedApps: ['/b'] }],
    app:
      c.app === null
        ? undefined
        : {
            id: '/a',
            version: V,
            instances: 2,
            versionInfo: { lastConfigChangeAt: V, lastScalingAt: V },
            healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health/live' }],
            tasks: [task(V), task(V)],
            tasksStaged: 0,
            // App-wide counts: every version together (TaskCounts.scala); decide must not trust them.
            tasksRunning: 2,
            tasksHealthy: 2,
            deployments: [...(c.listed ? [{ id: ID }] : []), ...(c.foreign ?? []).map((d) => ({ id: d.id }))],
            ...c.app,
          },
    seenRunning: c.seenRunning ?? true,
    ...(c.listed ? {} : { goneSince: now - (c.goneFor ?? 5000) }),
    graceMs: 1000,
  };
}

describe('decide: the success rule', () => {
  it.each<[string, Case, string]>([
    // -- success needs all of it
    ['deployment gone, definition ours, 2/2 tasks ours, running, every health result alive', {}, 'success'],
    ['deadline passed, but the state is success: success wins', { now: 99_999 }, 'success'],
    ['no health checks: running tasks of our version are enough', { app: { healthChecks: [], tasks: [task(V, 'none'), task(V, 'none')] } }, 'success'],
    // -- our deployment still runs
    ['our deployment listed in /v2/deployments', { listed: true, app: { tasks: [task(PREV), task(V, 'none')] } }, 'wait'],
    ['our deployment listed although every task is ours and healthy: not over yet', { listed: true }, 'wait'],
    ['our deployment still listed at the deadline', { listed: true, now: 60_000, app: { tasks: [task(V, 'unhealthy'), task(PREV)] } }, 'failure:deadline'],
    // -- app-wide counts lie: tasks of every version count
    ['mixed versions: one old, one new, both healthy, tasksHealthy 2 == instances', { app: { tasks: [task(PREV), task(V)] } }, 'failure:cancelled'],
    ['cancelled half-way, within the listing grace: could still be a state reload', { goneFor: 200, app: { tasks: [task(PREV), task(V)] } }, 'wait'],
    ['force-cancelled while the new tasks crash-loop: only old tasks serve', { app: { tasks: [task(PREV), task(PREV), task(V, 'unhealthy')], tasksHealthy: 2 } }, 'failure:cancelled'],
    ['missing from the list while the app still lists a deployment (state reload)', { foreign: [{ id: 'dep-reloaded', version: V }], app: { tasks: [task(PREV), task(V)] } }, 'wait'],
    ['missing from the list, app still converging, deadline passed', { foreign: [{ id: 'dep-reloaded', version: V }], now: 60_000, app: { tasks: [task(PREV), task(V)] } }, 'failure:deadline'],
    ['stored but never deployed: our version is the definition, no task runs it', { seenRunning: false, app: { tasks: [task(PREV), task(PREV)] } }, 'failure:not-deployed'],
    ['stored but never deployed, within the grace', { seenRunning: false, goneFor: 100, app: { tasks: [task(PREV), task(PREV)] } }, 'wait'],
    // -- other actors: never adopt their count
    ['scaled by another actor to 3 (new version, same config: lastConfigChangeAt is ours)', { app: { version: LATER, instances: 3, versionInfo: { lastConfigChangeAt: V, lastScalingAt: LATER }, tasks: [task(LATER), task(LATER), task(LATER)] } }, 'failure:scaled'],
    ['force-scaled to 0 by an autoscaler: 0 healthy of 0 is not success', { app: { version: LATER, instances: 0, versionInfo: { lastConfigChangeAt: V, lastScalingAt: LATER }, tasks: [], tasksHealthy: 0, tasksRunning: 0 } }, 'failure:scaled'],
    ['superseded by a newer definition', { foreign: [{ id: 'dep-2', version: LATER }], app: { version: LATER, versionInfo: { lastConfigChangeAt: LATER, lastScalingAt: LATER } } }, 'failure:superseded'],
    ['reverted: the definition is back at the version before ours', { app: { version: PREV, versionInfo: { lastConfigChangeAt: PREV, lastScalingAt: PREV }, tasks: [task(PREV), task(PREV)] } }, 'failure:reverted'],
    ['app deleted', { app: null }, 'failure:deleted'],
    // -- health and staging, task by task
    ['one of our tasks has a failing health result', { app: { tasks: [task(V), task(V, 'unhealthy')] } }, 'failure:unhealthy'],
    ['a task of ours without any health result yet (health checks defined)', { app: { tasks: [task(V), task(V, 'none')] } }, 'failure:unhealthy'],
    ['a task staged (tasksStaged 1)', { goneFor: 100, app: { tasks: [task(V), task(V)], tasksStaged: 1 } }, 'wait'],
    ['a task staging, after the grace', { app: { tasks: [task(V), task(V, 'none', 'TASK_STAGING')], tasksStaged: 1 } }, 'failure:unhealthy'],
    ['one task missing: 1 of 2', { app: { tasks: [task(V)] } }, 'failure:cancelled'],
    ['one task too many, all ours', { app: { tasks: [task(V), task(V), task(V)] } }, 'failure:unhealthy'],
    ['old tasks being killed after the switch: wait for them', { app: { tasks: [task(V), task(V), task(PREV, 'healthy', 'TASK_KILLING')] } }, 'wait'],
    ['no task list at all: cannot be verified', { app: { tasks: undefined } }, 'wait'],
  ])('%s', (_name, c, expected) => {
    const d = decide(obs(c));
    expect(typeof d === 'string' ? d : `failure:${d.kind}`).toBe(expected);
  });

  it('names what it saw: counts of our version, other versions, the other actor', () => {
    expect(decide(obs({ app: { tasks: [task(PREV), task(V)] } }))).toMatchObject({ failure: expect.stringMatching(/1\/2 tasks of version .* healthy.*1 task\(s\) of version 2024-05-01T09:00:00.000Z/) });
    expect(decide(obs({ app: { version: LATER, instances: 0, versionInfo: { lastConfigChangeAt: V, lastScalingAt: LATER }, tasks: [] } }))).toMatchObject({ failure: expect.stringContaining('scaled the app to 0') });
    expect(decide(obs({ foreign: [{ id: 'dep-2', version: LATER }], app: { version: LATER, versionInfo: { lastConfigChangeAt: LATER, lastScalingAt: LATER } } }))).toMatchObject({ failure: expect.stringContaining(`superseded by version ${LATER} (deployment dep-2)`) });
  });
});

// Event shapes of Marathon 1.x (api/v2/json/Formats.scala; deploymentEventsInfo.raml) and 0.x
// (docs/docs/event-bus.md).
describe('concernsUs: which events wake the wait', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['status_update_event of our app (appId)', { appId: '/a', taskStatus: 'TASK_RUNNING' }, true],
    ['instance_changed_event of our app (runSpecId)', { runSpecId: '/a', condition: 'Running' }, true],
    ['instance_health_changed_event of another app (runSpecId)', { runSpecId: '/b', healthy: true }, false],
    ['status_update_event of another app', { appId: '/b' }, false],
    ['an app whose id only starts like ours', { appId: '/a-2' }, false],
    ['deployment_success of our deployment (id)', { id: 'dep-1' }, true],
    ['deployment_info of our deployment (plan.id)', { plan: { id: 'dep-1' } }, true],
    ['deployment_info of another deployment touching our app (affectedApps)', { plan: { id: 'dep-9', affectedApps: ['/a'] } }, true],
    ['deployment_info, 0.x steps naming our app', { plan: { id: 'dep-9', steps: [{ action: 'ScaleApplication', app: '/a' }] } }, true],
    ['deployment_step_success, 1.x step actions naming our app', { plan: { id: 'dep-9', steps: [{ actions: [{ action: 'RestartApplication', app: '/a' }] }] } }, true],
    ['deployment of other apps only', { plan: { id: 'dep-9', affectedApps: ['/b'], steps: [{ actions: [{ app: '/b' }] }] } }, false],
    ['an event naming nothing (event_stream_attached, framework messages)', { remoteAddress: '127.0.0.1' }, false],
  ])('%s', (_name, data, expected) => expect(concernsUs(data, '/a', 'dep-1')).toBe(expected));
});

const app = (image: string, instances = 1) => ({
  id: '/wait/svc',
  cpus: 0.1,
  mem: 32,
  instances,
  container: { type: 'DOCKER', docker: { image }, portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }] },
  networks: [{ mode: 'container/bridge' }],
  healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 0, path: '/health/live', gracePeriodSeconds: 2, intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 3, delaySeconds: 0 }],
  readinessChecks: [{ name: 'r', protocol: 'HTTP', path: '/health/ready', portName: 'http', intervalSeconds: 1, timeoutSeconds: 1, httpStatusCodesForReady: [200] }],
  taskKillGracePeriodSeconds: 1,
});

describe('waitForDeployment against the stand-in', () => {
  let standin: MarathonStandin;
  let client: MarathonClient;
  beforeAll(async () => {
    ({ standin, client } = await startInProcessStandin());
  });
  afterAll(() => standin.close());

  it('wakes up on events: done long before the first poll interval', async () => {
    const ref = await client.putApp('/wait/svc', app('standin/healthy:1', 2), { force: true });
    const started = Date.now();
    const result = await waitForDeployment(client, { appId: '/wait/svc', ...ref, instances: 2, deadlineMs: 20_000, pollIntervalMs: 10_000 });
    expect(result.outcome).toBe('success');
    expect(result.eventWakeups).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("the end of the deployment is looked at at once, not after the second between event-woken polls", async () => {
    // Marathon's own word that the deployment ended, read on a stream of our own.
    const controller = new AbortController();
    const ends: number[] = [];
    const reading = (async () => {
      for await (const event of client.events({ signal: controller.signal })) {
        if (event.eventType === 'deployment_success') ends.push(Date.now());
      }
    })().catch(() => undefined);
    const lags: number[] = [];
    try {
      for (const n of [10, 11, 12]) {
        const ref = await client.putApp('/wait/svc', app(`standin/healthy:${n}`, 2), { force: true });
        const result = await waitForDeployment(client, { appId: '/wait/svc', ...ref, instances: 2, deadlineMs: 20_000, pollIntervalMs: 10_000 });
        const done = Date.now();
        expect(result.outcome).toBe('success');
        expect(ends.length).toBeGreaterThan(lags.length);
        lags.push(done - ends.at(-1)!);
      }
    } finally {
      controller.abort();
      await reading;
    }
    // Polls woken by other events are a second apart; the end is not made to wait for that.
    expect(Math.max(...lags)).toBeLessThan(500);
  });

  it('polling takes over when the event stream is cut mid-deployment (and refused after)', async () => {
    const ref = await client.putApp('/wait/svc', app('standin/healthy:2', 2), { force: true });
    const progress: string[] = [];
    const waiting = waitForDeployment(client, { appId: '/wait/svc', ...ref, instances: 2, deadlineMs: 20_000, pollIntervalMs: 100, onProgress: (n, total, d) => progress.push(`${n}/${total} ${d}`) });
    await new Promise((r) => setTimeout(r, 30));
    standin.events.refuse = true;
    standin.events.cut();
    const result = await waiting;
    standin.events.refuse = false;
    expect(result.outcome).toBe('success');
    expect(result.polls).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatch(/^2\/2 .*deployment done/);
  });

  it('never-healthy: the deployment keeps running, our deadline fails it with lastTaskFailure', async () => {
    const ref = await client.putApp('/wait/svc', app('standin/never-healthy:1', 1), { force: true });
    const result = await waitForDeployment(client, { appId: '/wait/svc', ...ref, instances: 1, deadlineMs: 1500, pollIntervalMs: 100 });
    expect(result).toMatchObject({ outcome: 'failure', kind: 'deadline' });
    // Stand-in: a deployment never fails by itself.
    expect((await client.listDeployments()).map((d) => d.id)).toContain(ref.deploymentId);
    if (result.outcome === 'failure') {
      expect(result.lastTaskFailure).toMatchObject({ state: 'TASK_KILLED', message: expect.stringContaining('health check failed') });
    }
    await client.cancelDeployment(ref.deploymentId, { force: true });
  });

  it('superseded by someone else: failure, not a wait until the deadline', async () => {
    const ref = await client.putApp('/wait/svc', app('standin/healthy:3', 1), { force: true });
    await client.putApp('/wait/svc', app('standin/healthy:4', 1), { force: true });
    const result = await waitForDeployment(client, { appId: '/wait/svc', ...ref, instances: 1, deadlineMs: 20_000, pollIntervalMs: 100 });
    expect(result).toMatchObject({ outcome: 'failure', kind: 'superseded' });
  });

  it('Marathon hiccups (503) during the wait do not fail it', async () => {
    const ref = await client.putApp('/wait/svc', app('standin/healthy:5', 1), { force: true });
    standin.faults.failNext(4, 503);
    const result = await waitForDeployment(client, { appId: '/wait/svc', ...ref, instances: 1, deadlineMs: 20_000, pollIntervalMs: 100, useEvents: false });
    expect(result.outcome).toBe('success');
  });
});
