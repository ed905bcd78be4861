/**
 * nginx from Debian's packages (test/fixtures/servers/nginx) released to Marathon: port 80
 * inside its container, an HTTP liveness check run by the Mesos agent inside the task's
 * network (MESOS_HTTP on the container port) and an HTTP readiness check run by Marathon on the
 * host port; the public port gets marathon-lb's VHOST. The stand-in runs the task as a real
 * container in a network namespace of its own, reached only through its host port.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { serversSuite } from '../servers/environment.js';
import { httpGet, makeServerRepo, removeService, shovel } from '../servers/fixture.js';
import { commitAll } from './helpers.js';

const RELEASE_TIMEOUT_MS = 300_000;

serversSuite('nginx on port 80 with an HTTP health check, marathon target (stand-in with real containers)', ['nginx'], (env) => {
  const service = `nginx-m-${randomBytes(3).toString('hex')}`;
  const appId = `/${service}`;
  let standin: MarathonStandin;
  let dir = '';

  beforeAll(async () => {
    standin = await startMarathonStandin({ runner: 'docker', docker: env.docker });
    dir = await makeServerRepo(env, {
      name: service,
      fixtures: ['nginx'],
      debSet: 'nginx',
      files: ['shovel.yml'],
      values: { SERVICE: service, REGISTRY: env.registry, HOST_PORT: 18080 },
    });
    // Bridged: traffic arrives at the container's address, so nginx listens on every address;
    // the http port is the public one.
    const file = `${dir}/shovel.yml`;
    const yml = (await readFile(file, 'utf8')).replace('BIND_ADDRESS: 127.0.0.1', 'BIND_ADDRESS: 0.0.0.0').replace('    env: PORT\n', '    env: PORT\n    public: true\n');
    await writeFile(file, `${yml}publicHost: www.example.com\nmarathon:\n  url: ${standin.url}\n`);
    await commitAll(dir, 'release to marathon');
  });

  afterAll(async () => {
    await standin?.close();
    await removeService(env, service);
  });

  it('releases with exit 0; nginx listens on port 80 in its container and answers 200 on its host port', { timeout: RELEASE_TIMEOUT_MS }, async () => {
    const { run, record } = await shovel(env, dir, ['release', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(record).toMatchObject({ outcome: 'healthy', target: 'marathon', appId });
    expect(standin.app(appId)!.def).toMatchObject({
      container: { portMappings: [{ name: 'http', containerPort: 80, hostPort: 0, protocol: 'tcp' }] },
      env: { PORT: '80', BIND_ADDRESS: '0.0.0.0' },
      healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', portIndex: 0 }],
      readinessChecks: [{ protocol: 'HTTP', path: '/health', portName: 'http' }],
      labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'www.example.com' },
    });
    const [task] = standin.app(appId)!.tasks.filter((t) => t.state === 'running');
    expect(task!.ports[0]).not.toBe(80);
    const page = await httpGet(task!.ports[0]!, '/');
    expect(page).toMatchObject({ status: 200 });
    expect((page as { body: string }).body).toContain('served by nginx');
    expect(task!.health[0]).toMatchObject({ consecutiveFailures: 0, lastSuccess: expect.any(Number) });
  });
});
