/**
 * End to end on the marathon target: real docker engine and registry, the Marathon stand-in
 * of test/support/marathon-standin running tasks as real containers, the built `shovel` bin.
 * The tests run in order and share one app.
 */
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { dockerSuite } from '../support/environment.js';
import type { ReleaseRecord } from '../../src/release/record.js';
import { getJson, makeServiceRepo, runShovel, setBehaviour, type ShovelRun } from './helpers.js';

dockerSuite('shovel release --target marathon (stand-in with real containers)', (env) => {
  const serviceId = `shovel-m-${randomBytes(3).toString('hex')}`;
  const appId = `/e2e/${serviceId}`;
  const marathonUser = 'deployer';
  const marathonPassword = `pw-${randomBytes(8).toString('hex')}`;
  let standin: MarathonStandin;
  let dir = '';
  const timings: Record<string, number> = {};
  const records: ReleaseRecord[] = [];
  const shovelEnv = () => ({
    SHOVEL_DOCKER: env.docker,
    SHOVEL_REGISTRY_USER: env.registryUser,
    SHOVEL_REGISTRY_PASSWORD: env.registryPassword,
    MARATHON_USER: marathonUser,
    MARATHON_PASSWORD: marathonPassword,
  });
  const release = async (name: string, ...args: string[]): Promise<{ run: ShovelRun; record: ReleaseRecord }> => {
    const run = await runShovel(['release', '--json', ...args], { cwd: dir, env: shovelEnv() });
    timings[name] = run.ms;
    return { run, record: JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as ReleaseRecord };
  };
  /** How many GET /v2/info requests the stand-in has answered so far. */
  const infoCalls = () => standin.faults.log.filter((request) => request === 'GET /v2/info').length;
  /** What the app's running tasks answer on / (their message), via the stand-in's host ports. */
  const serving = async () => {
    const tasks = standin.app(appId)?.tasks.filter((t) => t.state === 'running') ?? [];
    const answers = await Promise.all(tasks.map((t) => getJson(`http://127.0.0.1:${t.ports[0]}/`)));
    return answers.map((a) => ('body' in a ? a.body.message : a.error));
  };

  beforeAll(async () => {
    standin = await startMarathonStandin({ runner: 'docker', docker: env.docker, auth: { basic: { user: marathonUser, password: marathonPassword } } });
    dir = await makeServiceRepo({
      registry: env.registry,
      nodeImage: env.nodeImage,
      serviceId,
      extraYaml: `marathon:\n  url: ${standin.url}\n`,
    });
    // The group goes into service: (the fixture has none).
    const { readFile, writeFile } = await import('node:fs/promises');
    const file = `${dir}/shovel.yml`;
    await writeFile(file, (await readFile(file, 'utf8')).replace(`  id: ${serviceId}\n`, `  id: ${serviceId}\n  group: /e2e\n`));
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qam', 'marathon'], { cwd: dir });
  });

  afterAll(async () => {
    await standin?.close();
    const docker = (...args: string[]) => execa(env.docker, args, { reject: false });
    const images = (await docker('images', '-q', '--filter', `label=shovel.service=${serviceId}`)).stdout.split('\n').filter(Boolean);
    if (images.length) await docker('rmi', '-f', ...new Set(images));
    console.info(`[shovel e2e marathon] durations (ms): ${JSON.stringify(timings)}`);
  });

  it('releases to Marathon: exit 0 once healthy, records version, dialect and deployment', async () => {
    const planned = await release('plan', '--dry-run');
    expect(planned.run.exitCode, planned.run.stderr).toBe(0);
    const deployLine = planned.record.plan!.find((line) => line.startsWith('Deploy: '))!;
    const before = infoCalls();
    const { run, record } = await release('first');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record).toMatchObject({ outcome: 'healthy', target: 'marathon', appId, marathon: { version: '1.7.236', dialect: '1.x' } });
    expect(record.marathon?.deploymentId).toBeTruthy();
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['Preflight:ok', 'Build:ok', 'Push:ok', 'Render:ok', 'Deploy and wait:ok', 'Record:ok']);
    // The definition Marathon got replaces the app (partialUpdate=false) and names the new image.
    expect(standin.faults.log).toContain(`PUT /v2/apps${appId}?partialUpdate=false`);
    // The dry run planned exactly that request.
    expect(deployLine).toBe(`Deploy: PUT ${standin.url.replace(/\/+$/, '')}/v2/apps${appId}?partialUpdate=false`);
    expect(standin.app(appId)?.def).toMatchObject({ container: { docker: { image: record.image.ref } } });
    expect(await serving()).toEqual(['first']);
    expect(`${run.stdout}${run.stderr}`).not.toContain(marathonPassword);
    // The Marathon version (and so the dialect) is read once per release.
    expect(infoCalls() - before).toBe(1);
    records.push(record);
  });

  it('second release replaces the tasks with the new version; --dialect sends no GET /v2/info', async () => {
    await setBehaviour(dir, { ready: true, message: 'second' });
    const before = infoCalls();
    const { run, record } = await release('second', '--dialect', '1.x');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.marathon).toMatchObject({ dialect: '1.x' });
    expect(infoCalls()).toBe(before);
    expect(standin.app(appId)?.def).toMatchObject({ container: { docker: { image: record.image.ref } } });
    expect(await serving()).toEqual(['second']);
    records.push(record);
  });

  it('a version that never becomes ready is rolled back by Marathon rules: exit 1, previous version serving', async () => {
    await setBehaviour(dir, { ready: false, message: 'broken' });
    const { run, record } = await release('never-ready', '--deadline', '8');
    expect(run.exitCode).toBe(1);
    expect(record.error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(run.stderr).toContain('Rolled back to version');
    expect(standin.app(appId)?.def).toMatchObject({ container: { docker: { image: records[1]!.image.ref } } });
    expect(await serving()).toEqual(['second']);
  });

  it('a wrong Marathon password fails in Preflight, before any build, and is never printed', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const run = await runShovel(['release', '--json'], { cwd: dir, env: { ...shovelEnv(), MARATHON_PASSWORD: wrong } });
    expect(run.exitCode).toBe(1);
    const record = JSON.parse(run.stdout) as ReleaseRecord;
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['Preflight:failed']);
    expect(record.error?.code).toMatch(/AUTH|UNAUTHORI[SZ]ED|401/);
    expect(`${run.stdout}${run.stderr}`).not.toContain(wrong);
  });

  it('status shows the version and healthy tasks; rollback goes back one version through the gate', async () => {
    const status = await runShovel(['status', '--json'], { cwd: dir, env: shovelEnv() });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ appId, target: 'marathon', healthy: 1, instances: 1 });
    const run = await runShovel(['rollback', '--json'], { cwd: dir, env: shovelEnv() });
    timings.rollback = run.ms;
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'rollback', outcome: 'healthy', target: 'marathon' });
    expect(await serving()).toEqual(['first']);
  });

  it('render prints the app definition of the configured Marathon version', async () => {
    const run = await runShovel(['render'], { cwd: dir, env: shovelEnv() });
    expect(run.exitCode, run.stderr).toBe(0);
    const definition = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(definition).toMatchObject({ id: appId, networks: [{ mode: 'container/bridge' }] });
    const old = await runShovel(['render', '--dialect', '0.15', '--image', '127.0.0.1:5000/x:1'], { cwd: dir, env: shovelEnv() });
    expect(JSON.parse(old.stdout)).toMatchObject({ container: { docker: { network: 'BRIDGE', image: '127.0.0.1:5000/x:1' } } });
  });
});

/**
 * The 0.x dialects end to end: a stand-in that reports Marathon 0.15.7 or 0.11.1 (and so
 * builds the task environment, validates and answers as those versions do) gets the 0.x app
 * definition, in bridge mode under container.docker, health-checked by Marathon on the host
 * port (0.x has no readiness checks and no MESOS_* checks).
 */
for (const marathonVersion of ['0.15.7', '0.11.1'] as const) {
  const dialect = marathonVersion.startsWith('0.15') ? '0.15' : '0.11';
  dockerSuite(`shovel release --target marathon, Marathon ${marathonVersion} (stand-in with real containers)`, (env) => {
    const serviceId = `shovel-m${dialect.replace('.', '')}-${randomBytes(3).toString('hex')}`;
    const appId = `/${serviceId}`;
    let standin: MarathonStandin;
    let dir = '';
    const shovelEnv = () => ({ SHOVEL_DOCKER: env.docker, SHOVEL_REGISTRY_USER: env.registryUser, SHOVEL_REGISTRY_PASSWORD: env.registryPassword });
    const release = async (): Promise<{ run: ShovelRun; record: ReleaseRecord }> => {
      const run = await runShovel(['release', '--json'], { cwd: dir, env: shovelEnv() });
      return { run, record: JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as ReleaseRecord };
    };
    const serving = async () => {
      const tasks = standin.app(appId)?.tasks.filter((t) => t.state === 'running') ?? [];
      const answers = await Promise.all(tasks.map((t) => getJson(`http://127.0.0.1:${t.ports[0]}/`)));
      return answers.map((a) => ('body' in a ? a.body.message : a.error));
    };

    beforeAll(async () => {
      standin = await startMarathonStandin({ runner: 'docker', docker: env.docker, version: marathonVersion });
      dir = await makeServiceRepo({ registry: env.registry, nodeImage: env.nodeImage, serviceId, extraYaml: `marathon:\n  url: ${standin.url}\n` });
    });

    afterAll(async () => {
      await standin?.close();
      const docker = (...args: string[]) => execa(env.docker, args, { reject: false });
      const images = (await docker('images', '-q', '--filter', `label=shovel.service=${serviceId}`)).stdout.split('\n').filter(Boolean);
      if (images.length) await docker('rmi', '-f', ...new Set(images));
    });

    it(`releases in the ${dialect} dialect: healthy, serving on its container port through its host port`, async () => {
      const { run, record } = await release();
      expect(run.exitCode, run.stderr).toBe(0);
      expect(record).toMatchObject({ outcome: 'healthy', target: 'marathon', appId, marathon: { version: marathonVersion, dialect } });
      expect(standin.app(appId)?.def).toMatchObject({ container: { docker: { network: 'BRIDGE', image: record.image.ref } } });
      expect(await serving()).toEqual(['first']);
      // The container got Marathon's environment: host ports in PORT0/PORT_8080, the app's
      // PORT (the container port) last; no port names in 0.x.
      const task = standin.app(appId)!.tasks[0]!;
      const inspected = await execa(env.docker, ['ps', '-q', '--filter', `label=MESOS_TASK_ID=${task.id}`]);
      const envJson = await execa(env.docker, ['inspect', '--format', '{{json .Config.Env}}', inspected.stdout.trim()]);
      const containerEnv = Object.fromEntries((JSON.parse(envJson.stdout) as string[]).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      expect(containerEnv).toMatchObject({ PORT: '8080', METRICS_PORT: '9090', PORT0: String(task.ports[0]), PORT_8080: String(task.ports[0]), HOST: '0.0.0.0', MARATHON_APP_ID: appId });
      expect(containerEnv).not.toHaveProperty('PORT_HTTP');
    });

    it('the next release replaces the task with the new version', async () => {
      await setBehaviour(dir, { ready: true, message: 'second' });
      const { run, record } = await release();
      expect(run.exitCode, run.stderr).toBe(0);
      expect(standin.app(appId)?.def).toMatchObject({ container: { docker: { image: record.image.ref } } });
      expect(await serving()).toEqual(['second']);
    });
  });
}
