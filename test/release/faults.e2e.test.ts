/**
 * Release faults: what `shovel release` does when the registry or Marathon
 * misbehaves. Real components: docker engine, the registry with auth, the Marathon stand-in
 * (basic auth, tasks as real containers) with its fault knobs, the small fixture service of
 * test/release/fixtures, the built bin as a subprocess.
 *
 * After EVERY fault the same three things are checked (`afterFault`):
 * - the version that served before still serves: the app definition names its image and its
 *   task answers with its message (probed here, on the task's port);
 * - the error names the release step it happened in (record.error.step, stderr);
 * - no credential (registry password, Marathon password, Marathon token, or their base64
 *   forms) appears in stdout, stderr or the --json record.
 * A fault that is survived (retries, locks, a cut event stream) must still end in exit 0 with
 * the NEW version serving. The tests run in order and share one app.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReleaseRecord } from '../../src/release/record.js';
import { dockerSuite } from '../support/environment.js';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { freePort } from '../support/service-fixture.js';
import { commitAll, getJson, makeServiceRepo, runShovel, setBehaviour, type ShovelRun } from './helpers.js';

dockerSuite('shovel release faults: registry and Marathon', (env) => {
  const serviceId = `faults-${randomBytes(3).toString('hex')}`;
  const appId = `/faults/${serviceId}`;
  const marathonUser = 'deployer';
  const marathonPassword = `mpw-${randomBytes(9).toString('hex')}`;
  const marathonToken = `tok-${randomBytes(12).toString('hex')}`;
  const secrets = [
    env.registryPassword,
    marathonPassword,
    marathonToken,
    Buffer.from(`${marathonUser}:${marathonPassword}`).toString('base64'),
    Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString('base64'),
  ];
  let standin: MarathonStandin;
  let dir = '';
  const timings: Record<string, number> = {};
  /** The version that must keep serving after a failed release. */
  let serving = { ref: '', message: '' };
  /** Request log of the stand-in with arrival times; `onRequest` hooks fire as requests arrive. */
  const arrivals: Array<{ at: number; line: string }> = [];
  let onRequest: ((line: string) => void) | undefined;

  const shovelEnv = (extra: Record<string, string | undefined> = {}) => ({
    SHOVEL_DOCKER: env.docker,
    SHOVEL_REGISTRY_USER: env.registryUser,
    SHOVEL_REGISTRY_PASSWORD: env.registryPassword,
    MARATHON_USER: marathonUser,
    MARATHON_PASSWORD: marathonPassword,
    ...extra,
  });

  const release = async (name: string, args: string[] = [], extraEnv: Record<string, string | undefined> = {}) => {
    const run = await runShovel(['release', '--json', ...args], { cwd: dir, env: shovelEnv(extraEnv) });
    timings[name] = run.ms;
    const record = JSON.parse(run.stdout.trim().split('\n').pop() || '{}') as ReleaseRecord;
    return { run, record };
  };

  const requestsSince = (mark: number, pattern: RegExp) => arrivals.slice(mark).filter((r) => pattern.test(r.line));

  /** What the app's running tasks answer on / (their message). */
  const taskMessages = async () => {
    const tasks = standin.app(appId)?.tasks.filter((t) => t.state === 'running') ?? [];
    const answers = await Promise.all(tasks.map((t) => getJson(`http://127.0.0.1:${t.ports[0]}/`)));
    return answers.map((a) => ('body' in a ? a.body.message : a.error));
  };

  const expectNoSecrets = (run: ShovelRun, record: ReleaseRecord) => {
    const everything = `${run.stdout}\n${run.stderr}\n${JSON.stringify(record)}`;
    for (const secret of secrets) expect(everything).not.toContain(secret);
  };

  /** The three checks after a release that must fail. */
  const afterFault = async (run: ShovelRun, record: ReleaseRecord, step: string, code: string | RegExp) => {
    expect(run.exitCode, run.stderr).toBe(1);
    expect(record.outcome).toBe('failed');
    expect(record.error?.code).toMatch(code);
    expect(record.error?.step).toBe(step);
    expect(record.steps.filter((s) => s.status === 'failed').map((s) => s.name)).toEqual([step]);
    expect(run.stderr).toContain(`✖ ${step}: `);
    expectNoSecrets(run, record);
    expect(standin.app(appId)?.def).toMatchObject({ container: { docker: { image: serving.ref } } });
    expect(await taskMessages()).toEqual([serving.message]);
  };

  /** After a release that must succeed: exit 0 and the new version is what serves. */
  const afterSuccess = async (run: ShovelRun, record: ReleaseRecord, message: string) => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.outcome).toBe('healthy');
    expectNoSecrets(run, record);
    expect(standin.app(appId)?.def).toMatchObject({ container: { docker: { image: record.image.ref } } });
    expect(await taskMessages()).toEqual([message]);
    serving = { ref: record.image.ref, message };
  };

  beforeAll(async () => {
    standin = await startMarathonStandin({
      runner: 'docker',
      docker: env.docker,
      auth: { basic: { user: marathonUser, password: marathonPassword }, token: marathonToken },
    });
    const log = standin.faults.log;
    const push = log.push.bind(log);
    // Timestamps and hooks per request, taken as the stand-in logs it (before it answers).
    log.push = (...lines: string[]) => {
      for (const line of lines) {
        arrivals.push({ at: Date.now(), line });
        onRequest?.(line);
      }
      return push(...lines);
    };
    const unused = await freePort();
    dir = await makeServiceRepo({
      registry: env.registry,
      nodeImage: env.nodeImage,
      serviceId,
      extraYaml: `marathon:\n  url: ${standin.url}\n`,
    });
    const yml = path.join(dir, 'shovel.yml');
    const { readFile } = await import('node:fs/promises');
    const config = (await readFile(yml, 'utf8')).replace(`  id: ${serviceId}\n`, `  id: ${serviceId}\n  group: /faults\n`);
    await writeFile(yml, config);
    // The same service with its registry on a loopback port nothing listens on.
    await writeFile(path.join(dir, 'shovel.registry-down.yml'), config.replace(`repository: ${env.registry}/`, `repository: 127.0.0.1:${unused}/`));
    // ... and its Marathon there.
    await writeFile(path.join(dir, 'shovel.marathon-down.yml'), config.replace(`url: ${standin.url}`, `url: http://127.0.0.1:${unused}`));
    await commitAll(dir, 'faults config');

    const { run, record } = await release('baseline');
    await afterSuccess(run, record, 'first');
  }, 120_000);

  afterAll(async () => {
    onRequest = undefined;
    await standin?.close();
    const docker = (...args: string[]) => execa(env.docker, args, { reject: false });
    const images = (await docker('images', '-q', '--filter', `label=shovel.service=${serviceId}`)).stdout.split('\n').filter(Boolean);
    if (images.length) await docker('rmi', '-f', ...new Set(images));
    console.info(`[shovel e2e faults] durations (ms): ${JSON.stringify(timings)}`);
  });

  it('registry down: fails in Preflight naming the registry; nothing built, pushed or deployed', async () => {
    await setBehaviour(dir, { ready: true, message: 'registry-down' });
    const mark = arrivals.length;
    const { run, record } = await release('registry down', ['--config', 'shovel.registry-down.yml']);
    await afterFault(run, record, 'Preflight', 'SHOVEL_ERR_REGISTRY_UNREACHABLE');
    expect(run.stderr).toMatch(/The registry 127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\)/);
    expect(record.steps.map((s) => s.name)).toEqual(['Preflight']);
    expect(requestsSince(mark, /^(PUT|POST|DELETE) /)).toEqual([]);
  });

  it('registry 401 (wrong password): fails in Preflight naming registry and user; the password is nowhere', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const mark = arrivals.length;
    const { run, record } = await release('registry 401', [], { SHOVEL_REGISTRY_PASSWORD: wrong });
    await afterFault(run, record, 'Preflight', 'SHOVEL_ERR_REGISTRY_AUTH');
    expect(run.stderr).toContain(`The registry ${env.registry} rejected the credentials of user "${env.registryUser}"`);
    expect(`${run.stdout}\n${run.stderr}`).not.toContain(wrong);
    expect(requestsSince(mark, /^(PUT|POST|DELETE) /)).toEqual([]);
    const { exitCode } = await execa(env.docker, ['image', 'inspect', record.image.ref], { reject: false });
    expect(exitCode, 'nothing was built').not.toBe(0);
  });

  it('Marathon answers 503 to the deployment twice: bounded retries with backoff, then the release succeeds', async () => {
    await setBehaviour(dir, { ready: true, message: 'after-503' });
    const mark = arrivals.length;
    let injected = false;
    onRequest = (line) => {
      // The PUT of the new definition itself gets the 503s (the fault applies to the request
      // being logged and the next one).
      if (!injected && line.startsWith(`PUT /v2/apps${appId}`)) {
        injected = true;
        standin.faults.failNext(2, 503);
      }
    };
    try {
      const { run, record } = await release('503 transient');
      await afterSuccess(run, record, 'after-503');
    } finally {
      onRequest = undefined;
    }
    const puts = requestsSince(mark, new RegExp(`^PUT /v2/apps${appId}\\?partialUpdate=false`));
    expect(puts).toHaveLength(3);
    // Backoff between attempts: "equal jitter" of 250 ms * 2^(n-1), so at least 125 and 250 ms.
    expect(puts[1]!.at - puts[0]!.at).toBeGreaterThanOrEqual(120);
    expect(puts[2]!.at - puts[1]!.at).toBeGreaterThanOrEqual(240);
    // Only one deployment came of it: one new app version.
    expect(standin.app(appId)!.versions.size).toBe(2);
  });

  it('Marathon 503 that persists: the deployment fails after bounded retries, naming the step; the previous version serves', async () => {
    await setBehaviour(dir, { ready: true, message: 'never-deployed' });
    const mark = arrivals.length;
    onRequest = (line) => {
      if (line.startsWith(`PUT /v2/apps${appId}`)) standin.faults.failNext(1000, 503);
    };
    let result: Awaited<ReturnType<typeof release>>;
    try {
      result = await release('503 persistent', ['--deadline', '10']);
    } finally {
      onRequest = undefined;
      standin.faults.failNext(0);
    }
    const { run, record } = result;
    await afterFault(run, record, 'Deploy and wait', /^SHOVEL_ERR_MARATHON_(HTTP|UNAVAILABLE|SERVER|5)/);
    expect(run.stderr).toMatch(/503/);
    const puts = requestsSince(mark, new RegExp(`^PUT /v2/apps${appId}`));
    expect(puts.length).toBeGreaterThanOrEqual(2);
    expect(puts.length).toBeLessThanOrEqual(5);
    const deploy = record.steps.find((s) => s.name === 'Deploy and wait')!;
    expect(deploy.ms).toBeLessThan(10_000);
  });

  it('Marathon starts answering 503 right after accepting the deployment: deadline, then a rollback failure that says so', async () => {
    await setBehaviour(dir, { ready: true, message: 'during-outage' });
    const before = serving;
    const mark = arrivals.length;
    onRequest = (line) => {
      // The PUT itself goes through; everything after it gets 503 (Marathon lost its leader).
      if (line.startsWith(`PUT /v2/apps${appId}?partialUpdate=false`)) setTimeout(() => standin.faults.failNext(100_000, 503), 0);
    };
    let result: Awaited<ReturnType<typeof release>>;
    try {
      result = await release('503 after PUT', ['--deadline', '4']);
    } finally {
      onRequest = undefined;
      standin.faults.failNext(0);
    }
    const { run, record } = result;
    expect(run.exitCode, run.stderr).toBe(1);
    expect(record.error).toMatchObject({ code: 'SHOVEL_ERR_MARATHON_ROLLBACK_FAILED', step: 'Deploy and wait' });
    expect(record.error?.message).toMatch(/Marathon did not answer before the deadline: .*503/);
    expect(record.error?.message).toContain('The rollback to');
    expect(record.error?.message).toContain('could not be started');
    expect(run.stderr).toContain('✖ Deploy and wait: ');
    expect(run.stderr).toContain('Nothing is known about what serves now');
    expectNoSecrets(run, record);
    // Bounded: the deadline, then the rollback's few retries.
    expect(record.steps.find((s) => s.name === 'Deploy and wait')!.ms).toBeLessThan(12_000);
    // Shovel sent the new definition once, then only the rollback (retried a bounded number of times).
    const puts = requestsSince(mark, /^PUT /).map((r) => r.line);
    expect(puts[0]).toBe(`PUT /v2/apps${appId}?partialUpdate=false`);
    expect(puts.length).toBeGreaterThanOrEqual(2);
    expect(puts.length).toBeLessThanOrEqual(5);
    expect(new Set(puts.slice(1))).toEqual(new Set([`PUT /v2/apps${appId}?force=true`]));
    // What serves now is whatever Marathon finished meanwhile, and it is healthy.
    const app = standin.app(appId)!;
    await expect.poll(() => standin.engine.counts(app).tasksHealthy, { timeout: 15_000 }).toBe(1);
    const now = (await taskMessages())[0];
    expect([before.message, 'during-outage']).toContain(now);
    serving = { ref: String((app.def.container as { docker: { image: string } }).docker.image), message: String(now) };
  }, 60_000);

  it('409 storm: the app is locked by one deployment after another; the release waits, names them, then succeeds', async () => {
    await setBehaviour(dir, { ready: true, message: 'after-409' });
    const holders: string[] = [];
    let current = standin.engine.hold(appId);
    holders.push(current);
    // Each holder gives way to the next after 1.5 s; the third lets go for good.
    const timer = setInterval(() => {
      standin.engine.release(current);
      if (holders.length < 3) {
        current = standin.engine.hold(appId);
        holders.push(current);
      } else clearInterval(timer);
    }, 1500);
    const mark = arrivals.length;
    try {
      const { run, record } = await release('409 storm', ['--deadline', '30']);
      await afterSuccess(run, record, 'after-409');
      // Which holder the first 409 names depends on how long preflight, build and push took.
      expect(holders.some((id) => run.stderr.includes(`locked by deployment(s) ${id}`)), run.stderr).toBe(true);
    } finally {
      clearInterval(timer);
      for (const id of holders) standin.engine.release(id);
    }
    expect(requestsSince(mark, new RegExp(`^PUT /v2/apps${appId}`)).length).toBeGreaterThanOrEqual(2);
  });

  it('409 that never ends: fails within the deadline naming the holder; nothing deployed', async () => {
    await setBehaviour(dir, { ready: true, message: 'locked-out' });
    const holder = standin.engine.hold(appId);
    let result: Awaited<ReturnType<typeof release>>;
    try {
      result = await release('409 forever', ['--deadline', '4']);
    } finally {
      standin.engine.release(holder);
    }
    const { run, record } = result;
    await afterFault(run, record, 'Deploy and wait', 'SHOVEL_ERR_MARATHON_LOCKED');
    expect(record.error?.message).toContain(holder);
    expect(run.stderr).toContain(holder);
    const deploy = record.steps.find((s) => s.name === 'Deploy and wait')!;
    expect(deploy.ms).toBeGreaterThanOrEqual(3_500);
    expect(deploy.ms).toBeLessThan(8_000);
  });

  it('event stream cut mid-deployment (and refused after): polling takes over, the release succeeds', async () => {
    await setBehaviour(dir, { ready: true, message: 'after-cut' });
    let cutAt = 0;
    onRequest = (line) => {
      if (!cutAt && line.startsWith(`PUT /v2/apps${appId}`)) {
        cutAt = arrivals.length;
        standin.events.refuse = true;
        setTimeout(() => standin.events.cut(), 200);
      }
    };
    try {
      const { run, record } = await release('events cut', ['--deadline', '30']);
      await afterSuccess(run, record, 'after-cut');
    } finally {
      onRequest = undefined;
      standin.events.refuse = false;
    }
    expect(cutAt).toBeGreaterThan(0);
    // The client tried to get its stream back, and kept polling without it.
    expect(requestsSince(cutAt, /^GET \/v2\/events/).length).toBeGreaterThanOrEqual(1);
    expect(requestsSince(cutAt, /^GET \/v2\/deployments/).length).toBeGreaterThanOrEqual(1);
    expect(requestsSince(cutAt, new RegExp(`^GET /v2/apps${appId}\\?`)).length).toBeGreaterThanOrEqual(1);
  });

  it('a deployment that never gets healthy: deadline, rollback, exit 1; the previous version serves', async () => {
    await setBehaviour(dir, { ready: false, message: 'never-ready' });
    // The deadline bounds the whole release: the new version gets two thirds of it, the
    // rollback (which replaces every task, as Marathon does) the rest.
    const { run, record } = await release('never healthy', ['--deadline', '20']);
    await afterFault(run, record, 'Deploy and wait', 'SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(run.stderr).toContain('not healthy before the deadline');
    expect(run.stderr).toContain('Rolled back to version');
    const deploy = record.steps.find((s) => s.name === 'Deploy and wait')!;
    // At least the new version's share of the deadline, and never past the deadline itself
    // (plus the last look at Marathon).
    expect(deploy.ms).toBeGreaterThanOrEqual(13_000);
    expect(deploy.ms).toBeLessThan(22_000);
    await setBehaviour(dir, { ready: true, message: 'fixed' });
  });

  it('Marathon unreachable (nothing listens): a clear error in Preflight, before anything is built', async () => {
    const { run, record } = await release('marathon refused', ['--config', 'shovel.marathon-down.yml']);
    await afterFault(run, record, 'Preflight', 'SHOVEL_ERR_MARATHON_UNREACHABLE');
    expect(run.stderr).toMatch(/Marathon at http:\/\/127\.0\.0\.1:\d+ unreachable: .*ECONNREFUSED/);
    expect(record.steps.map((s) => s.name)).toEqual(['Preflight']);
    // Four attempts with backoff, not a hang.
    expect(record.steps[0]!.ms).toBeLessThan(5_000);
  });

  it('Marathon resets every connection (token auth): exit 1 in Preflight, never a silent exit 0', async () => {
    standin.faults.unreachable = true;
    let result: Awaited<ReturnType<typeof release>>;
    try {
      result = await release('marathon reset', [], { MARATHON_USER: undefined, MARATHON_PASSWORD: undefined, MARATHON_TOKEN: marathonToken });
    } finally {
      standin.faults.unreachable = false;
    }
    const { run, record } = result;
    await afterFault(run, record, 'Preflight', 'SHOVEL_ERR_MARATHON_UNREACHABLE');
    expect(run.stderr).toContain(`Marathon at ${standin.url} unreachable`);
    expect(record.steps.map((s) => s.name)).toEqual(['Preflight']);
    // A request lost by the HTTP client costs its 10 s timeout, so at most 4 x 10 s + backoff.
    expect(record.steps[0]!.ms).toBeLessThan(45_000);
  }, 60_000);
});
