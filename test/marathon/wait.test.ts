/**
 * The wait: `decide` as a table (pure), then the driver against the stand-in with in-process
 * tasks (real HTTP health checks, a Marathon second shrunk to 50 ms).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarathonClient } from '../../src/marathon/client.js';
import type { MarathonApp } from '../../src/marathon/types.js';
import { decide, waitForDeployment, type Observation } from '../../src/marathon/wait.js';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';

const V = '2024-05-01T10:00:00.000Z';
const OTHER = '2024-05-01T11:00:00.000Z';

function obs(app: Partial<MarathonApp> | undefined, options: { running?: boolean; now?: number } = {}): Observation {
  return {
    now: options.now ?? 1000,
    deadline: 5000,
    ours: { deploymentId: 'dep-1', version: V, instances: 2 },
    runningDeploymentIds: options.running ? ['dep-1', 'other'] : ['other'],
    app: app === undefined ? undefined : { id: '/a', version: V, instances: 2, tasksHealthy: 2, tasksStaged: 0, tasksRunning: 2, tasksUnhealthy: 0, deployments: [], ...app },
  };
}

describe('decide', () => {
  it.each<[string, Observation, string]>([
    ['running deployment', obs({ tasksHealthy: 0 }, { running: true }), 'wait'],
    ['running per the app embed only', obs({ deployments: [{ id: 'dep-1' }] }), 'wait'],
    ['gone + our version + all healthy + none staged', obs({}), 'success'],
    ['gone, our config but scaled since (lastConfigChangeAt)', obs({ version: OTHER, versionInfo: { lastConfigChangeAt: V }, instances: 3, tasksHealthy: 3, tasksRunning: 3 }), 'success'],
    ['gone but unhealthy', obs({ tasksHealthy: 1, tasksUnhealthy: 1 }), 'failure:unhealthy'],
    ['gone, healthy but a task staged', obs({ tasksStaged: 1 }), 'failure:unhealthy'],
    ['gone with another version', obs({ version: OTHER, versionInfo: { lastConfigChangeAt: OTHER } }), 'failure:superseded'],
    ['gone with surplus tasks still being killed', obs({ tasksRunning: 3 }), 'wait'],
    ['deadline passed while running', obs({ tasksHealthy: 1 }, { running: true, now: 5000 }), 'failure:deadline'],
    ['deadline passed but healthy: success wins', obs({}, { now: 9999 }), 'success'],
    ['app deleted', obs(undefined), 'failure:deleted'],
  ])('%s', (_name, observation, expected) => {
    const d = decide(observation);
    expect(typeof d === 'string' ? d : `failure:${d.kind}`).toBe(expected);
  });

  it('names the counts when the deadline passes', () => {
    const d = decide(obs({ tasksHealthy: 1, tasksUnhealthy: 1 }, { running: true, now: 6000 }));
    expect(d).toMatchObject({ failure: expect.stringContaining('1/2 healthy') });
  });
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
    standin = await startMarathonStandin({ runner: 'in-process', secondMs: 50 });
    client = new MarathonClient({ url: standin.url, retry: { attempts: 3, baseDelayMs: 5 } });
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
    expect(result.polls).toBeGreaterThan(2);
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
