/**
 * End to end, literally: a GENERATED service (templates/service, rendered and
 * installed by test/support/service-fixture.ts, the same code create-shovel runs) committed in
 * a real git repository and released with the built `shovel` bin, first to the local Docker
 * engine, then to the Marathon stand-in running its tasks as real containers. Exit 0 must mean
 * "the new version serves and is healthy": every claim is checked by probing the service here.
 *
 * What the generated repo needs from the environment, as a user's CI would give it:
 * SHOVEL_NODE_IMAGE (no image can be pulled here, so the Dockerfile's NODE_IMAGE build arg
 * points at the local base image), SHOVEL_REGISTRY_USER/PASSWORD, SHOVEL_DOCKER,
 * MARATHON_USER/MARATHON_PASSWORD. shovel.yml gets the edits a user would make for a fast
 * test: a unique service id, the test registry, short health intervals and shutdown delay.
 * The tests run in order and share the repository.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { ReleaseRecord } from '../../src/release/record.js';
import { dockerSuite } from '../support/environment.js';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { loadMarathonSchemas } from '../support/marathon-standin/schemas.js';
import { freePortPair, installedService, workingCopy } from '../support/service-fixture.js';
import { commitAll, getJson, git, runShovel, type ShovelRun } from './helpers.js';

dockerSuite('generated service: shovel release to docker and to Marathon', (env) => {
  const serviceId = `gen-e2e-${randomBytes(3).toString('hex')}`;
  const group = '/payments';
  const appId = `${group}/${serviceId}`;
  const marathonUser = 'deployer';
  const marathonPassword = `mpw-${randomBytes(8).toString('hex')}`;
  const secrets = [env.registryPassword, marathonPassword];
  let dir = '';
  let standin: MarathonStandin | undefined;
  const timings: Record<string, number> = {};
  const dockerReleases: ReleaseRecord[] = [];
  const marathonReleases: ReleaseRecord[] = [];

  const shovelEnv = {
    SHOVEL_DOCKER: env.docker,
    SHOVEL_NODE_IMAGE: env.nodeImage,
    SHOVEL_REGISTRY_USER: env.registryUser,
    SHOVEL_REGISTRY_PASSWORD: env.registryPassword,
    MARATHON_USER: marathonUser,
    MARATHON_PASSWORD: marathonPassword,
  };
  const docker = (...args: string[]) => execa(env.docker, args, { reject: false });
  const running = async () =>
    (await docker('ps', '--filter', `label=shovel.service=${serviceId}`, '--format', '{{.Names}}')).stdout.split('\n').filter(Boolean);

  const release = async (name: string, ...args: string[]): Promise<{ run: ShovelRun; record: ReleaseRecord }> => {
    // From another directory with --cwd when asked: the build context must still be the service.
    const elsewhere = args.includes('--cwd');
    const run = await runShovel(['release', '--json', '--deadline', '90', ...args], { cwd: elsewhere ? os.tmpdir() : dir, env: shovelEnv });
    timings[name] = run.ms;
    for (const secret of secrets) expect(`${run.stdout}\n${run.stderr}`).not.toContain(secret);
    const record = JSON.parse(run.stdout.trim().split('\n').pop() || '{}') as ReleaseRecord;
    return { run, record };
  };

  /** A code change a developer would make: the hello route's message, committed. */
  const changeHello = async (suffix: string) => {
    const file = path.join(dir, 'src/routes/hello.ts');
    const source = await readFile(file, 'utf8');
    const next = source.replace(/(\$\{request\.query\.name \?\? "world"\}!)[^`]*`/, `$1${suffix}\``);
    expect(next).not.toBe(source);
    await writeFile(file, next);
    await commitAll(dir, `hello says${suffix}`);
  };

  /** What a running Marathon task answers: readiness status and the hello message. */
  const probeTask = async (port: number) => {
    const ready = await getJson(`http://127.0.0.1:${port}/health/ready`);
    const hello = await getJson(`http://127.0.0.1:${port}/v1/hello`);
    return {
      ready: 'status' in ready ? ready.status : ready.error,
      hello: 'body' in hello ? hello.body.message : hello.error,
    };
  };

  beforeAll(async () => {
    const started = Date.now();
    dir = await workingCopy(await installedService());
    timings.setup = Date.now() - started;
    standin = await startMarathonStandin({ runner: 'docker', docker: env.docker, auth: { basic: { user: marathonUser, password: marathonPassword } } });

    const file = path.join(dir, 'shovel.yml');
    const doc = parseDocument(await readFile(file, 'utf8'));
    expect(doc.getIn(['service', 'group'])).toBe(group);
    doc.setIn(['service', 'id'], serviceId);
    doc.setIn(['image', 'repository'], `${env.registry}/payments/${serviceId}`);
    // Real seconds in the stand-in: a 10 s check interval would make every release much slower.
    doc.setIn(['health', 'intervalSeconds'], 2);
    doc.setIn(['health', 'timeoutSeconds'], 1);
    doc.setIn(['shutdown', 'delayMs'], 300);
    doc.setIn(['shutdown', 'timeoutMs'], 2000);
    doc.setIn(['killGracePeriodSeconds'], 5);
    doc.setIn(['marathon', 'url'], standin.url);
    // Ports of its own: the docker target binds them on this host, where other suites run too.
    const port = await freePortPair();
    doc.setIn(['ports', 'http'], port);
    doc.setIn(['ports', 'metrics'], port + 1);
    await writeFile(file, doc.toString());

    await git(dir, 'init', '-q');
    // node_modules is a symlink to the cached install here; the generated .gitignore's
    // "node_modules/" only matches a directory.
    await writeFile(path.join(dir, '.git', 'info', 'exclude'), 'node_modules\n');
    await commitAll(dir, 'generated by create-shovel');
    expect(await git(dir, 'status', '--porcelain')).toBe('');
  }, 300_000);

  afterAll(async () => {
    await standin?.close();
    const ids = (await docker('ps', '-aq', '--filter', `label=shovel.service=${serviceId}`)).stdout.split('\n').filter(Boolean);
    if (ids.length) await docker('rm', '-f', ...ids);
    const images = (await docker('images', '-q', '--filter', `label=shovel.service=${serviceId}`)).stdout.split('\n').filter(Boolean);
    if (images.length) await docker('rmi', '-f', ...new Set(images));
    if (dir) await rm(dir, { recursive: true, force: true });
    console.info(`[generated service e2e] durations (ms): ${JSON.stringify(timings)}`);
  });

  it('docker target: the first release exits 0 only when the generated service answers healthy', async () => {
    const { run, record } = await release('docker first', '--target', 'docker');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record).toMatchObject({ outcome: 'healthy', target: 'docker', service: serviceId });
    expect(record.image.ref).toBe(`${env.registry}/payments/${serviceId}:0.1.0-${record.git?.sha.slice(0, 7)}`);
    expect(record.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The generated Dockerfile really ran: npm ci without the file: link, tsc, the OCI labels.
    const labels = JSON.parse((await docker('image', 'inspect', '--format', '{{json .Config.Labels}}', record.image.ref)).stdout) as Record<string, string>;
    expect(labels).toMatchObject({ 'org.opencontainers.image.title': serviceId, 'org.opencontainers.image.version': '0.1.0', 'org.opencontainers.image.revision': record.git?.sha });
    expect(run.stderr).toContain(`Released ${record.image.ref} (docker): ${record.url}`);
    expect(await getJson(`${record.url}/health/ready`)).toMatchObject({ status: 200 });
    expect(await getJson(`${record.url}/health/live`)).toMatchObject({ status: 200 });
    expect(await getJson(`${record.url}/v1/hello`)).toEqual({ status: 200, body: { message: 'Hello, world!' } });
    // Metrics on the private port only.
    expect((await fetch(`http://127.0.0.1:${record.docker?.metricsPort}/metrics`)).status).toBe(200);
    // Both instances of the generated service's default, each on its own host ports.
    expect(record.docker?.containers).toHaveLength(2);
    expect((await running()).sort()).toEqual([...record.docker!.containers].sort());
    expect(await git(dir, 'status', '--porcelain')).toBe('');
    dockerReleases.push(record);
  }, 300_000);

  it('docker target: a code change released replaces the container (new answer, old container stopped)', async () => {
    await changeHello(' (v2)');
    const { run, record } = await release('docker second', '--target', 'docker');
    expect(run.exitCode, run.stderr).toBe(0);
    const first = dockerReleases[0]!;
    expect(record.image.tag).not.toBe(first.image.tag);
    expect([...record.docker!.stopped].sort()).toEqual([...first.docker!.containers].sort());
    // The same address, release after release, now answering with the new code.
    expect(record.url).toBe(first.url);
    expect(await getJson(`${record.url}/v1/hello`)).toEqual({ status: 200, body: { message: 'Hello, world! (v2)' } });
    expect(await getJson(`${record.url}/health/ready`)).toMatchObject({ status: 200 });
    expect((await running()).sort()).toEqual([...record.docker!.containers].sort());
    // The old container drained and exited cleanly (SIGTERM reached node as PID 1)... and was removed.
    expect((await docker('inspect', String(first.docker?.containerId))).exitCode).not.toBe(0);
    dockerReleases.push(record);
  }, 300_000);

  it('marathon target: exit 0 only with 2 healthy tasks of the new version; the app definition is valid for Marathon 1.7', async () => {
    await changeHello(' (v3)');
    const { run, record } = await release('marathon first', '--target', 'marathon');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record).toMatchObject({ outcome: 'healthy', target: 'marathon', appId, marathon: { version: '1.7.236', dialect: '1.x' } });

    const app = standin!.app(appId)!;
    expect(app.def).toMatchObject({ instances: 2, container: { docker: { image: record.image.ref } } });
    expect(record.marathon?.appVersion).toBe(app.version);
    const counts = standin!.engine.counts(app);
    expect(counts).toMatchObject({ tasksRunning: 2, tasksHealthy: 2, tasksStaged: 0 });
    const tasks = app.tasks.filter((t) => t.state === 'running');
    expect(tasks.map((t) => t.version)).toEqual([app.version, app.version]);
    // Probe every task ourselves on its host port (the stand-in's stand-in for portMappings).
    const answers = await Promise.all(tasks.map((t) => probeTask(t.ports[0]!)));
    expect(answers).toEqual([
      { ready: 200, hello: 'Hello, world! (v3)' },
      { ready: 200, hello: 'Hello, world! (v3)' },
    ]);

    // What the stand-in received: a full replacement, valid against Marathon 1.7's schema.
    expect(standin!.faults.log).toContain(`PUT /v2/apps${appId}?partialUpdate=false`);
    const schemas = loadMarathonSchemas();
    expect(schemas, 'Marathon JSON Schemas (../shared/reference/marathon-schema)').toBeDefined();
    const sent = JSON.parse(String(standin!.faults.putBodies.at(-1))) as Record<string, unknown>;
    const result = schemas!.validate('1.7', sent);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    // The shape the generated service relies on: named ports, liveness health check,
    // readiness gate on the http port, no VHOST on metrics.
    expect(sent).toMatchObject({
      id: appId,
      instances: 2,
      container: { portMappings: [{ name: 'http' }, { name: 'metrics' }] },
      healthChecks: [{ path: '/health/live' }],
      readinessChecks: [{ path: '/health/ready', portName: 'http' }],
      labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'orders.example.com' },
    });
    expect(Object.keys(sent.labels as object)).not.toContain('HAPROXY_1_VHOST');
    marathonReleases.push(record);
  }, 300_000);

  it('marathon target: the next release replaces both tasks with the new version', async () => {
    const before = standin!.app(appId)!.tasks.map((t) => t.id);
    await changeHello(' (v4)');
    const { run, record } = await release('marathon second', '--target', 'marathon');
    expect(run.exitCode, run.stderr).toBe(0);
    const app = standin!.app(appId)!;
    expect(app.def).toMatchObject({ container: { docker: { image: record.image.ref } } });
    expect(record.marathon?.appVersion).toBe(app.version);
    const tasks = app.tasks.filter((t) => t.state === 'running');
    expect(tasks).toHaveLength(2);
    expect(app.tasks).toHaveLength(2);
    expect(tasks.map((t) => t.version)).toEqual([app.version, app.version]);
    expect(tasks.some((t) => before.includes(t.id))).toBe(false);
    expect(standin!.engine.counts(app)).toMatchObject({ tasksHealthy: 2, tasksStaged: 0 });
    const answers = await Promise.all(tasks.map((t) => probeTask(t.ports[0]!)));
    expect(answers).toEqual([
      { ready: 200, hello: 'Hello, world! (v4)' },
      { ready: 200, hello: 'Hello, world! (v4)' },
    ]);
    const sent = JSON.parse(String(standin!.faults.putBodies.at(-1))) as Record<string, unknown>;
    expect(loadMarathonSchemas()!.validate('1.7', sent).errors).toEqual([]);
    // The docker-target container of the earlier release is untouched by a Marathon release.
    expect(await running()).toEqual(expect.arrayContaining(dockerReleases[1]!.docker!.containers));
    marathonReleases.push(record);
  }, 300_000);

  it('docker target after Marathon (run with --cwd from elsewhere): stops only the containers it started, never other containers of the same image', async () => {
    // The stand-in's tasks run the released image on this engine, like a developer's own
    // `docker run` of it would: the image carries the shovel.service label of its build.
    const app = standin!.app(appId)!;
    const tasks = app.tasks.filter((t) => t.state === 'running');
    expect(tasks).toHaveLength(2);
    await changeHello(' (v5)');
    const { run, record } = await release('docker third', '--target', 'docker', '--cwd', dir);
    expect(run.exitCode, run.stderr).toBe(0);
    const previous = dockerReleases[1]!;
    expect([...record.docker!.stopped].sort()).toEqual([...previous.docker!.containers].sort());
    expect(await getJson(`${record.url}/v1/hello`)).toEqual({ status: 200, body: { message: 'Hello, world! (v5)' } });
    // Marathon's tasks were not stopped by the docker target and still serve v4.
    expect(app.tasks.filter((t) => t.state === 'running').map((t) => t.id)).toEqual(tasks.map((t) => t.id));
    expect(await Promise.all(tasks.map((t) => probeTask(t.ports[0]!)))).toEqual([
      { ready: 200, hello: 'Hello, world! (v4)' },
      { ready: 200, hello: 'Hello, world! (v4)' },
    ]);
    // status on the docker target counts the container it runs, not Marathon's tasks.
    const status = await runShovel(['status', '--json', '--target', 'docker'], { cwd: dir, env: shovelEnv });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ version: record.image.tag, healthy: 2, instances: 2 });
  }, 300_000);
});
