/**
 * deployToMarathon against the stand-in with in-process tasks (fast; the same flow runs on
 * real containers in standin.docker.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shovelConfigSchema } from '../../src/config/schema.js';
import { MarathonClient } from '../../src/marathon/client.js';
import { deployToMarathon, type DeployOptions } from '../../src/marathon/deploy.js';
import { renderAppDefinition } from '../../src/marathon/render.js';
import type { MarathonStandin } from '../support/marathon-standin/index.js';
import { failure, QUICK_SERVICE, startInProcessStandin } from './in-process-standin.js';

function definition(id: string, image: string, instances = 2) {
  const config = shovelConfigSchema.parse({
    service: { id, group: '/deploy' },
    image: { repository: 'standin' },
    resources: { cpus: 0.1, memory: 32, instances },
    ...QUICK_SERVICE,
  });
  return renderAppDefinition(config, { image, dialect: '1.x' });
}

async function servingImages(standin: MarathonStandin, appId: string): Promise<string[]> {
  const app = standin.app(appId)!;
  const images = await Promise.all(
    app.tasks.filter((t) => t.state === 'running').map(async (t) => ((await (await fetch(`http://127.0.0.1:${t.ports[0]}/`)).json()) as { image: string }).image),
  );
  return images.sort();
}

describe('deployToMarathon', () => {
  let standin: MarathonStandin;
  let client: MarathonClient;
  const base = (appId: string, def: Record<string, unknown>): DeployOptions => ({ appId, definition: def, deadlineMs: 3000, onFirstFailure: 'scale-to-zero', pollIntervalMs: 100 });
  beforeAll(async () => {
    ({ standin, client } = await startInProcessStandin());
  });
  afterAll(() => standin.close());

  it('success: healthy, with the deployment id, version and Marathon version', async () => {
    const phases = new Set<string>();
    const result = await deployToMarathon(client, { ...base('/deploy/ok', definition('ok', 'standin/healthy:1')), onProgress: (_n, _t, _d, phase) => phases.add(phase) });
    expect(result).toMatchObject({ outcome: 'healthy', marathonVersion: '1.7.236', deploymentId: expect.any(String), version: expect.any(String) });
    expect(standin.app('/deploy/ok')!.version).toBe(result.version);
    expect(await servingImages(standin, '/deploy/ok')).toEqual(['standin/healthy:1', 'standin/healthy:1']);
    expect([...phases]).toEqual(['deploy']);
  });

  it('never healthy: rolled back with force, previous version still serving, error names it', async () => {
    const first = await deployToMarathon(client, base('/deploy/svc', definition('svc', 'standin/healthy:1')));
    const started = Date.now();
    const error = await failure(deployToMarathon(client, base('/deploy/svc', definition('svc', 'standin/never-healthy:2'))));
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(error.message).toContain(`Rolled back to version ${first.version}`);
    expect(error.details.join('\n')).toMatch(/last task failure: TASK_KILLED/);
    // The rollback PUT was {id, version} with force.
    expect(standin.faults.log).toContain('PUT /v2/apps/deploy/svc?force=true');
    expect(JSON.parse(String(standin.faults.putBodies.at(-1)))).toEqual({ id: '/deploy/svc', version: first.version });
    expect(await servingImages(standin, '/deploy/svc')).toEqual(['standin/healthy:1', 'standin/healthy:1']);
    expect(standin.engine.runningDeployments('/deploy/svc')).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('first release never healthy: scaled to 0 (kept for inspection)', async () => {
    const error = await failure(deployToMarathon(client, base('/deploy/fresh', definition('fresh', 'standin/crash:1'))));
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_FIRST_RELEASE_FAILED');
    expect(error.message).toContain('scaled to 0');
    expect(error.details.join('\n')).toMatch(/TASK_FAILED.*crashed on purpose/);
    const app = await client.getApp('/deploy/fresh');
    expect(app).toMatchObject({ instances: 0, tasksRunning: 0 });
  });

  it('first release never healthy with onFirstFailure=remove: the app is gone', async () => {
    const error = await failure(deployToMarathon(client, { ...base('/deploy/gone', definition('gone', 'standin/never-healthy:1')), onFirstFailure: 'remove' }));
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_FIRST_RELEASE_FAILED');
    expect(await client.getApp('/deploy/gone')).toBeUndefined();
  });

  it('409: waits for the deployment holding the app, then deploys', async () => {
    await deployToMarathon(client, base('/deploy/locked', definition('locked', 'standin/healthy:1')));
    const holder = standin.engine.hold('/deploy/locked');
    const notes: string[] = [];
    setTimeout(() => standin.engine.release(holder), 400);
    const result = await deployToMarathon(client, { ...base('/deploy/locked', definition('locked', 'standin/healthy:2')), onProgress: (_n, _t, d, phase) => phase === 'lock' && notes.push(d) });
    expect(result.outcome).toBe('healthy');
    expect(notes[0]).toContain(holder);
  });

  it('409 that does not clear: a locked error naming the holder after the bounded wait', async () => {
    const holder = standin.engine.hold('/deploy/locked');
    const error = await failure(deployToMarathon(client, { ...base('/deploy/locked', definition('locked', 'standin/healthy:3')), lockWaitMs: 300 }));
    standin.engine.release(holder);
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_LOCKED');
    expect(error.message).toContain(holder);
  });

  it('409 with force: overrides the holder', async () => {
    const holder = standin.engine.hold('/deploy/locked');
    const result = await deployToMarathon(client, { ...base('/deploy/locked', definition('locked', 'standin/healthy:4')), force: true });
    expect(result.outcome).toBe('healthy');
    expect(standin.engine.deployments.has(holder)).toBe(false);
    // Says whose deployment it cancelled.
    expect(result.cancelled).toEqual([expect.stringContaining(holder)]);
  });

  it('state reload after a failover hides our running deployment: no false success while only the old version serves', async () => {
    await deployToMarathon(client, base('/deploy/reload', definition('reload', 'standin/healthy:1')));
    const put = deployToMarathon(client, { ...base('/deploy/reload', definition('reload', 'standin/never-healthy:2')), graceMs: 300 });
    await new Promise((r) => setTimeout(r, 150));
    standin.faults.reloading = true;
    const error = await failure(put).finally(() => (standin.faults.reloading = false));
    // Deployment "gone" with the old tasks healthy (tasksHealthy == instances) is not success.
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(await servingImages(standin, '/deploy/reload')).toEqual(['standin/healthy:1', 'standin/healthy:1']);
  });

  it('a leader election (502 HTML pages) during the wait is ridden out, and the page is not echoed', async () => {
    const notes: string[] = [];
    const put = deployToMarathon(client, { ...base('/deploy/elect', definition('elect', 'standin/healthy:1')), deadlineMs: 6000, onProgress: (_n, _t, d) => notes.push(d) });
    await expect.poll(() => standin.app('/deploy/elect') !== undefined, { interval: 5 }).toBe(true);
    standin.faults.electing = true;
    await new Promise((r) => setTimeout(r, 500));
    standin.faults.electing = false;
    const result = await put;
    expect(result.outcome).toBe('healthy');
    expect(await servingImages(standin, '/deploy/elect')).toEqual(['standin/healthy:1', 'standin/healthy:1']);
    expect(notes.join('\n')).not.toContain('<html');
  });

  it('an operator force-cancels our deployment while the new tasks crash-loop: exit 1, rolled back, never "success"', async () => {
    await deployToMarathon(client, base('/deploy/cancel', definition('cancel', 'standin/healthy:1')));
    // Killed by its health check again and again (a crash image may pass one check first).
    const put = deployToMarathon(client, { ...base('/deploy/cancel', definition('cancel', 'standin/never-healthy:2')), deadlineMs: 6000, graceMs: 200 });
    await new Promise((r) => setTimeout(r, 400));
    const ours = standin.engine.runningDeployments('/deploy/cancel')[0]!;
    standin.engine.cancel(ours.id, true);
    const error = await failure(put);
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(error.message).toContain('cancelled');
    expect(await servingImages(standin, '/deploy/cancel')).toEqual(['standin/healthy:1', 'standin/healthy:1']);
  });

  it('an autoscaler force-scales the app to 0 during our deployment: exit 1, no rollback over its change', async () => {
    await deployToMarathon(client, base('/deploy/scaled', definition('scaled', 'standin/healthy:1')));
    const put = deployToMarathon(client, { ...base('/deploy/scaled', definition('scaled', 'standin/never-healthy:2')), deadlineMs: 6000 });
    await new Promise((r) => setTimeout(r, 150));
    await new MarathonClient({ url: standin.url }).scale('/deploy/scaled', 0, { force: true });
    const puts = standin.faults.putBodies.length;
    const error = await failure(put);
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_SCALED');
    expect(error.message).toContain('scaled the app to 0');
    expect(standin.faults.putBodies.length).toBe(puts);
    expect(standin.app('/deploy/scaled')!.def.instances).toBe(0);
  });

  it('refuses an invalid definition before sending anything', async () => {
    const before = standin.faults.putBodies.length;
    const def = { ...definition('bad', 'standin/healthy:1'), labels: { HAPROXY_1_VHOST: 'metrics.example.com' } };
    const error = await failure(deployToMarathon(client, base('/deploy/bad', def)));
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_DEFINITION');
    expect(standin.faults.putBodies.length).toBe(before);
  });

  it('a 422 from the server surfaces every field', async () => {
    standin.faults.reject422Once({ message: 'Object is not valid', details: [{ path: '/mem', errors: ['must be at least 32'] }] });
    const error = await failure(deployToMarathon(client, base('/deploy/ok', definition('ok', 'standin/healthy:9'))));
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_INVALID');
    expect(error.details).toEqual(['/mem: must be at least 32']);
  });
});
