/**
 * End to end on the docker target with real components: docker engine, registry with auth,
 * the fixture service in a real git repository, the built `shovel` bin.
 * The tests of this suite run in order and share one service (each builds on the last).
 * The service declares its ports with stable host ports of its own (free ones, chosen here),
 * and runs with host networking (SHOVEL_DOCKER_NETWORK=host: this machine has no bridge).
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dockerSuite } from '../support/environment.js';
import type { ReleaseRecord } from '../../src/release/record.js';
import { portBusy } from '../../src/release/ports.js';
import {
  commitAll,
  DOCKER_RELEASE_STEPS,
  getJson,
  git,
  makeServiceRepo,
  runShovel,
  setBehaviour,
  SHOVEL_BIN,
  type ShovelRun,
} from './helpers.js';

dockerSuite('shovel release --target docker (real engine and registry)', (env) => {
  const serviceId = `shovel-e2e-${randomBytes(3).toString('hex')}`;
  const shovelEnv = {
    SHOVEL_DOCKER: env.docker,
    SHOVEL_DOCKER_NETWORK: 'host',
    SHOVEL_REGISTRY_USER: env.registryUser,
    SHOVEL_REGISTRY_PASSWORD: env.registryPassword,
  };
  let dir = '';
  const timings: Record<string, number> = {};
  const releases: ReleaseRecord[] = [];

  const docker = (...args: string[]) => execa(env.docker, args, { reject: false });
  const running = async () =>
    (await docker('ps', '--filter', `label=shovel.service=${serviceId}`, '--format', '{{.Names}}')).stdout.split('\n').filter(Boolean);
  const release = async (name: string, ...args: string[]): Promise<{ run: ShovelRun; record: ReleaseRecord }> => {
    const run = await runShovel(['release', '--json', ...args], { cwd: dir, env: shovelEnv });
    timings[name] = run.ms;
    const record = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as ReleaseRecord;
    return { run, record };
  };

  let httpPort = 0;
  let metricsPort = 0;
  const shovelYml = async (instances: number) => {
    const file = path.join(dir, 'shovel.yml');
    const ports = [
      'ports:',
      '  - { name: http, containerPort: 8080, public: true, env: PORT, hostPort: ' + httpPort + ' }',
      '  - { name: metrics, containerPort: 9090, env: METRICS_PORT, hostPort: ' + metricsPort + ' }',
      'metrics: { port: metrics }',
      '',
    ].join('\n');
    const text = (await readFile(file, 'utf8'))
      .replace(/^ports:\n(?:  .*\n|  - .*\n)+(?:metrics: .*\n)?/m, ports)
      .replace(/^  instances: \d+$/m, `  instances: ${instances}`);
    await writeFile(file, text);
    await commitAll(dir, `${instances} instance(s)`);
  };
  const inspect = async (name: string) => JSON.parse((await docker('container', 'inspect', name)).stdout)[0] as {
    Id: string;
    State: { Running: boolean };
    HostConfig: { NanoCpus: number; Memory: number; RestartPolicy: { Name: string }; Init: boolean; NetworkMode: string };
  };

  beforeAll(async () => {
    dir = await makeServiceRepo({ registry: env.registry, nodeImage: env.nodeImage, serviceId });
    // Two free ranges of two ports each (instance i uses hostPort + i).
    const free = async () => {
      for (;;) {
        const port = 20000 + Math.floor(Math.random() * 20000);
        if (!(await portBusy(port, 'tcp')) && !(await portBusy(port + 1, 'tcp'))) return port;
      }
    };
    httpPort = await free();
    do metricsPort = await free();
    while (Math.abs(metricsPort - httpPort) < 2);
    // A line of output at start, for shovel logs.
    const server = path.join(dir, 'server.js');
    await writeFile(server, `${await readFile(server, 'utf8')}\nconsole.log('listening on', port, metricsPort);\n`);
    await shovelYml(1);
  });

  afterAll(async () => {
    const ids = (await docker('ps', '-aq', '--filter', `label=shovel.service=${serviceId}`)).stdout.split('\n').filter(Boolean);
    if (ids.length) await docker('rm', '-f', ...ids);
    const images = (await docker('images', '-q', '--filter', `label=shovel.service=${serviceId}`)).stdout.split('\n').filter(Boolean);
    if (images.length) await docker('rmi', '-f', ...new Set(images));
    // Measured figures for the report (visible with --reporter=verbose or in CI logs).
    console.info(`[shovel e2e docker] durations (ms): ${JSON.stringify(timings)}`);
  });

  it('first release: exits 0 only once the new version answers, records it, keeps the tree clean', async () => {
    const { run, record } = await release('first');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.outcome).toBe('healthy');
    expect(record.target).toBe('docker');
    expect(record.image.tag).toMatch(/^1\.2\.3-[0-9a-f]{7}$/);
    expect(record.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual(DOCKER_RELEASE_STEPS);
    expect(record.docker?.port).toBe(httpPort);
    expect(record.docker?.metricsPort).toBe(metricsPort);
    expect(record.url).toBe(`http://127.0.0.1:${httpPort}`);
    const answer = await getJson(record.url!);
    expect(answer).toMatchObject({ status: 200, body: { message: 'first', version: '1.2.3', greeting: 'hello' } });
    expect(run.stderr).toContain(`Released ${record.image.ref} (docker): ${record.url}`);
    // The record lives in an annotated tag and in the ignored local log; the tree stays clean.
    expect(await git(dir, 'tag', '--list', 'release/*')).toBe(`release/${record.image.tag}`);
    expect(await git(dir, 'cat-file', '-p', `release/${record.image.tag}`)).toContain(record.image.digest);
    expect(await git(dir, 'status', '--porcelain')).toBe('');
    expect(await readFile(path.join(dir, '.shovel', 'releases.log'), 'utf8')).toContain(record.image.digest);
    // The image carries its build facts as OCI labels.
    const labels = JSON.parse((await docker('image', 'inspect', '--format', '{{json .Config.Labels}}', record.image.ref)).stdout) as Record<string, string>;
    expect(labels['org.opencontainers.image.revision']).toBe(record.git?.sha);
    expect(labels['org.opencontainers.image.version']).toBe('1.2.3');
    // Limits and policy of shovel.yml, as the engine holds them.
    const container = await inspect(record.docker!.container);
    expect(container.HostConfig).toMatchObject({ NanoCpus: 0.1e9, Memory: 64 * 1024 * 1024, RestartPolicy: { Name: 'unless-stopped' }, Init: true, NetworkMode: 'host' });
    releases.push(record);
  });

  it('second release after a code change replaces the container: old stopped, new serving', async () => {
    await setBehaviour(dir, { ready: true, message: 'second' });
    const { run, record } = await release('second');
    expect(run.exitCode, run.stderr).toBe(0);
    const first = releases[0]!;
    expect(record.image.tag).not.toBe(first.image.tag);
    // The same address release after release.
    expect(record.docker?.port).toBe(first.docker?.port);
    expect(record.url).toBe(first.url);
    expect(record.docker?.stopped).toEqual([first.docker?.container]);
    expect(await getJson(record.url!)).toMatchObject({ status: 200, body: { message: 'second' } });
    expect(await running()).toEqual([record.docker?.container]);
    // The old container is gone once the new one is healthy.
    expect((await docker('container', 'inspect', first.docker!.container)).exitCode).not.toBe(0);
    releases.push(record);
  });

  it('a version that never becomes ready is removed, exits 1 naming the step, the previous one is started again on its port', async () => {
    await setBehaviour(dir, { ready: false, message: 'broken' });
    const serving = releases[1]!;
    const before = await inspect(serving.docker!.container);
    const { run, record } = await release('never-ready', '--deadline', '6');
    expect(run.exitCode).toBe(1);
    expect(record.outcome).toBe('failed');
    expect(record.error).toMatchObject({ code: 'SHOVEL_ERR_NOT_HEALTHY', step: 'Wait for health' });
    expect(run.stderr).toMatch(/✖ Wait for health: .* did not become healthy: not healthy within 4s \(last: readiness \/health\/ready: HTTP 503\)/);
    expect(run.stderr).toContain('the previous version serves again');
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'Preflight:ok', 'Build:ok', 'Push:ok', 'Render:skipped', 'Deploy:ok', 'Wait for health:failed', 'Rollback:ok',
    ]);
    // The stable port freed for the new version was given back to the very same container.
    expect((await inspect(serving.docker!.container)).Id).toBe(before.Id);
    expect(await getJson(serving.url!)).toMatchObject({ status: 200, body: { message: 'second' } });
    expect(await running()).toEqual([serving.docker?.container]);
    expect(await git(dir, 'tag', '--list', `release/${record.image.tag}`)).toBe('');
  });

  it('a wrong registry password: clear error naming registry and user, nothing deployed, the password nowhere', async () => {
    await setBehaviour(dir, { ready: true, message: 'third' });
    const password = `wrong-${randomBytes(8).toString('hex')}`;
    const run = await runShovel(['release', '--json'], { cwd: dir, env: { ...shovelEnv, SHOVEL_REGISTRY_PASSWORD: password } });
    timings['wrong-password'] = run.ms;
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`The registry ${env.registry} rejected the credentials of user "${env.registryUser}"`);
    expect(run.stderr).toContain('Nothing was built or deployed.');
    expect(`${run.stdout}\n${run.stderr}`).not.toContain(password);
    const record = JSON.parse(run.stdout) as ReleaseRecord;
    expect(record.steps.map((s) => s.name)).toEqual(['Preflight']);
    expect(await running()).toEqual([releases[1]!.docker?.container]);
    expect((await docker('image', 'inspect', record.image.ref)).exitCode).not.toBe(0);
  });

  it('refuses a dirty tree unless --allow-dirty, which tags the image -dirty.<timestamp>', async () => {
    await setBehaviour(dir, { ready: true, message: 'dirty' }, false);
    const refused = await runShovel(['release'], { cwd: dir, env: shovelEnv });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('The working tree has uncommitted changes');
    expect(refused.stderr).toContain('M behaviour.json');
    const { run, record } = await release('dirty', '--allow-dirty');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.image.tag).toMatch(/^1\.2\.3-[0-9a-f]{7}-dirty\.\d{8}T\d{6}Z$/);
    expect(await getJson(record.url!)).toMatchObject({ status: 200, body: { message: 'dirty' } });
    await commitAll(dir, 'dirty change committed');
    releases.push(record);
  });

  it('status reports the serving version and its health', async () => {
    const run = await runShovel(['status', '--json'], { cwd: dir, env: shovelEnv });
    expect(run.exitCode, run.stderr).toBe(0);
    const status = JSON.parse(run.stdout) as { version: string; healthy: number; instances: number };
    expect(status).toMatchObject({ version: releases[2]!.image.tag, healthy: 1, instances: 1 });
  });

  it('rollback puts the previous healthy version back through the same gate', async () => {
    const run = await runShovel(['rollback', '--json'], { cwd: dir, env: shovelEnv });
    timings.rollback = run.ms;
    expect(run.exitCode, run.stderr).toBe(0);
    const record = JSON.parse(run.stdout) as ReleaseRecord;
    expect(record).toMatchObject({ kind: 'rollback', outcome: 'healthy', image: { tag: releases[1]!.image.tag } });
    expect(await getJson(record.url!)).toMatchObject({ status: 200, body: { message: 'second' } });
    expect(await running()).toEqual([record.docker?.container]);
    // Rolling back to a version that is not in the engine fails before touching anything.
    const missing = await runShovel(['rollback', '9.9.9-0000000'], { cwd: dir, env: shovelEnv });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('is not in the local Docker engine');
    expect(await running()).toEqual([record.docker?.container]);
  });
  it('the dry run prints the build command the release then runs', async () => {
    await setBehaviour(dir, { ready: true, message: 'planned' });
    const planned = await release('dry run', '--dry-run');
    expect(planned.run.exitCode, planned.run.stderr).toBe(0);
    const { run, record } = await release('as planned');
    expect(run.exitCode, run.stderr).toBe(0);
    const buildLine = planned.record.plan?.find((line) => line.startsWith('Build: '));
    // Only the time the build started differs between the two runs.
    const sameTime = (command: string) => command.replace(/CREATED=\S+/g, 'CREATED=<time>').replace(/org\.opencontainers\.image\.created=\S+/g, 'created=<time>');
    // record.commands: the docker build, then the docker run of each instance, as they ran.
    expect(record.commands).toHaveLength(2);
    expect(sameTime(`Build: ${record.commands![0]}`)).toBe(sameTime(buildLine!));
    const plannedRuns = planned.record.plan!.filter((line) => line.startsWith('Deploy: '));
    expect(plannedRuns).toHaveLength(1);
    expect(`Deploy: ${record.commands![1]}`).toBe(plannedRuns[0]);
    // The Deploy step's detail is the command it ran, too.
    const ran = record.steps.filter((step) => step.name === 'Deploy').map((step) => `Deploy: ${step.detail}`);
    expect(ran).toEqual(plannedRuns);
    releases.push(record);
  });

  it('two instances: each on its own stable ports (hostPort + i), replaced one at a time', async () => {
    await shovelYml(2);
    await setBehaviour(dir, { ready: true, message: 'two' });
    const { run, record } = await release('two instances');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'Preflight:ok', 'Build:ok', 'Push:ok', 'Render:skipped',
      'Deploy 1/2:ok', 'Wait for health 1/2:ok', 'Deploy 2/2:ok', 'Wait for health 2/2:ok', 'Stop previous:ok', 'Record:ok',
    ]);
    expect(await getJson(`http://127.0.0.1:${httpPort}/`)).toMatchObject({ status: 200, body: { message: 'two' } });
    expect(await getJson(`http://127.0.0.1:${httpPort + 1}/`)).toMatchObject({ status: 200, body: { message: 'two' } });
    expect((await running()).sort()).toEqual([`shovel-${serviceId}-${record.image.tag}-0`, `shovel-${serviceId}-${record.image.tag}-1`]);
    releases.push(record);
  });

  it('a failure at the second instance removes both new ones and starts both old ones again', async () => {
    // Readiness fails only on the second port: instance 0 comes up healthy, instance 1 never does.
    await writeFile(path.join(dir, 'server.js'), (await readFile(path.join(dir, 'server.js'), 'utf8')).replace(
      "if (req.url === '/health/ready') {",
      `if (req.url === '/health/ready' && port === ${httpPort + 1}) return send(503, { status: 'never' });\n  if (req.url === '/health/ready') {`,
    ));
    await setBehaviour(dir, { ready: true, message: 'half' });
    const serving = releases.at(-1)!;
    const { run, record } = await release('half', '--deadline', '6');
    expect(run.exitCode).toBe(1);
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'Preflight:ok', 'Build:ok', 'Push:ok', 'Render:skipped',
      'Deploy 1/2:ok', 'Wait for health 1/2:ok', 'Deploy 2/2:ok', 'Wait for health 2/2:failed', 'Rollback:ok',
    ]);
    expect((await running()).sort()).toEqual([`shovel-${serviceId}-${serving.image.tag}-0`, `shovel-${serviceId}-${serving.image.tag}-1`]);
    expect(await getJson(`http://127.0.0.1:${httpPort}/`)).toMatchObject({ status: 200, body: { message: 'two' } });
    expect(await getJson(`http://127.0.0.1:${httpPort + 1}/`)).toMatchObject({ status: 200, body: { message: 'two' } });
    await git(dir, 'checkout', 'HEAD~1', '--', 'server.js');
    await commitAll(dir, 'server.js as before');
  });

  it('a host port held by another program fails the release in Preflight, before anything is built or stopped', async () => {
    await shovelYml(1);
    // Nothing of ours holds hostPort + 5 of metrics: take it, and point metrics at it.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(metricsPort + 5, '127.0.0.1', resolve));
    try {
      const file = path.join(dir, 'shovel.yml');
      await writeFile(file, (await readFile(file, 'utf8')).replace(`hostPort: ${metricsPort} }`, `hostPort: ${metricsPort + 5} }`));
      await commitAll(dir, 'metrics on a busy port');
      const before = await running();
      const { run, record } = await release('busy port');
      expect(run.exitCode).toBe(1);
      expect(record.error?.message).toContain(`Host port ${metricsPort + 5}/tcp (metrics) is in use by something other than ${serviceId}`);
      expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['Preflight:failed']);
      expect(await running()).toEqual(before);
    } finally {
      blocker.close();
    }
  });

  it('logs, history and stop: output of every instance, the recorded releases, a graceful stop that keeps the containers', async () => {
    const names = (await running()).sort();
    expect(names).toHaveLength(2);
    // The last line of each (the rollback before started them a second time).
    const logs = await runShovel(['logs', '--tail', '1'], { cwd: dir, env: shovelEnv });
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout.split('\n').sort()).toEqual([`${names[0]} | listening on ${httpPort} ${metricsPort}`, `${names[1]} | listening on ${httpPort + 1} ${metricsPort + 1}`]);

    // --follow keeps printing until Ctrl-C, the way to end it: exit 0, nothing on stderr.
    const follow = execa(process.execPath, [SHOVEL_BIN, 'logs', '--follow', '--tail', '1'], { cwd: dir, env: { ...shovelEnv, CI: 'true' }, reject: false });
    let seen = '';
    follow.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    for (let i = 0; i < 100 && seen.split('\n').filter(Boolean).length < 2; i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(seen.split('\n').filter(Boolean).sort()).toEqual(logs.stdout.split('\n').sort());
    follow.kill('SIGINT');
    expect(await follow).toMatchObject({ exitCode: 0, stderr: '' });

    const history = await runShovel(['history', '--json'], { cwd: dir, env: shovelEnv });
    expect(history.exitCode, history.stderr).toBe(0);
    const entries = (JSON.parse(history.stdout) as { entries: Array<{ kind: string; outcome: string; version: string }> }).entries;
    // Healthy releases and rollbacks are recorded, newest first.
    expect(entries.map((e) => e.kind)).toEqual(['release', 'release', 'rollback', 'release', 'release', 'release']);
    expect(entries[0]).toMatchObject({ outcome: 'healthy', version: releases.at(-1)!.image.tag });

    const stop = await runShovel(['stop', '--json'], { cwd: dir, env: shovelEnv });
    timings.stop = stop.ms;
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect((JSON.parse(stop.stdout) as { stopped: string[] }).stopped.sort()).toEqual(names);
    expect(await running()).toEqual([]);
    for (const name of names) {
      // Kept, stopped, and stopped gracefully: the SIGTERM handler exited 0.
      const state = JSON.parse((await docker('container', 'inspect', '--format', '{{json .State}}', name)).stdout) as { Running: boolean; ExitCode: number };
      expect(state).toMatchObject({ Running: false, ExitCode: 0 });
    }
    expect(await getJson(`http://127.0.0.1:${httpPort}/`)).toEqual({ error: 'ECONNREFUSED' });
    expect((await runShovel(['status'], { cwd: dir, env: shovelEnv })).stdout).toContain('is not deployed (docker)');

    // The next release starts on the same ports; the stopped containers go. Nothing runs, so
    // no instance waits for another: both start, then both pass the gate.
    await shovelYml(2);
    await setBehaviour(dir, { ready: true, message: 'after stop' });
    const { run, record } = await release('after stop');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'Preflight:ok', 'Build:ok', 'Push:ok', 'Render:skipped', 'Deploy:ok', 'Wait for health:ok', 'Stop previous:ok', 'Record:ok',
    ]);
    expect(record.commands).toHaveLength(3);
    expect(record.steps.find((s) => s.name === 'Deploy')?.detail).toBe(record.commands!.slice(1).join('\n'));
    expect(record.steps.find((s) => s.name === 'Wait for health')?.detail).toMatch(/^\S+-0 healthy after [\d.]+s \(checks\); \S+-1 healthy after [\d.]+s \(checks\)$/);
    expect(await getJson(`http://127.0.0.1:${httpPort}/`)).toMatchObject({ status: 200, body: { message: 'after stop' } });
    expect(await getJson(`http://127.0.0.1:${httpPort + 1}/`)).toMatchObject({ status: 200, body: { message: 'after stop' } });
    for (const name of names) expect((await docker('container', 'inspect', name)).exitCode).not.toBe(0);
    expect(record.docker?.stopped).toEqual([]);
  });
  it('with nothing running, one instance that never gets ready fails the release and both new containers go', async () => {
    const stop = await runShovel(['stop', '--json'], { cwd: dir, env: shovelEnv });
    expect(stop.exitCode, stop.stderr).toBe(0);
    await writeFile(path.join(dir, 'server.js'), (await readFile(path.join(dir, 'server.js'), 'utf8')).replace(
      "if (req.url === '/health/ready') {",
      `if (req.url === '/health/ready' && port === ${httpPort + 1}) return send(503, { status: 'never' });\n  if (req.url === '/health/ready') {`,
    ));
    await setBehaviour(dir, { ready: true, message: 'half, from nothing' });
    const { run, record } = await release('half, from nothing', '--deadline', '6');
    expect(run.exitCode).toBe(1);
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'Preflight:ok', 'Build:ok', 'Push:ok', 'Render:skipped', 'Deploy:ok', 'Wait for health:failed', 'Rollback:ok',
    ]);
    expect(record.error).toMatchObject({ code: 'SHOVEL_ERR_NOT_HEALTHY', step: 'Wait for health' });
    expect(record.error?.message).toMatch(/-1 did not become healthy: not healthy within 4s \(last: readiness \/health\/ready: HTTP 503\)/);
    expect(await running()).toEqual([]);
    expect(await getJson(`http://127.0.0.1:${httpPort}/`)).toEqual({ error: 'ECONNREFUSED' });
    await git(dir, 'checkout', 'HEAD~1', '--', 'server.js');
    await commitAll(dir, 'server.js as before');
  });
});
