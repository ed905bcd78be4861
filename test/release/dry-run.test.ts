/**
 * --dry-run: the plan and the rendered app definition, with no side effects. Proven by running
 * with a docker client that does not exist and checking that nothing was written.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { release } from '../../src/release/index.js';
import type { ReleaseRecord } from '../../src/release/record.js';
import { Progress } from '../../src/ui/progress.js';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { git, makeServiceRepo, setBehaviour } from './helpers.js';

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

async function dryRun(cwd: string, extra: Partial<Parameters<typeof release>[0]> = {}) {
  const out = sink();
  const err = sink();
  const record = await release({
    cwd,
    dryRun: true,
    progress: new Progress({ stream: err.stream, interactive: false }),
    stdout: out.stream,
    env: { SHOVEL_DOCKER: '/nonexistent/docker', SHOVEL_REGISTRY_USER: 'ci', SHOVEL_REGISTRY_PASSWORD: 'pw-never-shown' },
    ...extra,
  });
  return { record, stdout: out.text(), stderr: err.text() };
}

describe('release --dry-run', () => {
  let standin: MarathonStandin;
  beforeAll(async () => {
    standin = await startMarathonStandin({ runner: 'in-process', version: '1.10.17' });
  });
  afterAll(() => standin.close());

  it('docker target: prints the plan, builds and deploys nothing, writes nothing', async () => {
    const dir = await makeServiceRepo();
    const { record, stderr } = await dryRun(dir);
    expect(record.outcome).toBe('dry-run');
    expect(record.target).toBe('docker');
    expect(record.image.ref).toMatch(/^127\.0\.0\.1:5000\/shovel-fixture:1\.2\.3-[0-9a-f]{7}$/);
    // The build line is the command the run executes (test/release/docker-target.e2e.test.ts
    // runs both and compares them).
    expect(record.plan?.[1]).toMatch(new RegExp(`^Build: \\S*docker build --network host --progress plain --tag ${record.image.ref.replace(/[.]/g, '\\.')} `));
    expect(record.plan?.[1]).toContain('--build-arg NODE_IMAGE=shovel-node:26');
    expect(record.plan?.[1]).toMatch(/ \.$/);
    expect(record.plan?.filter((_, i) => i !== 1)).toEqual([
      'Preflight: docker engine, registry 127.0.0.1:5000 reachable and login as $SHOVEL_REGISTRY_USER',
      `Push: ${record.image.ref}`,
      'Replace: the instance: docker stop -t 5 the old one (kept), start the new one on the same host ports, wait until healthy; on failure remove the new ones and docker start the old ones again',
      expect.stringMatching(/^Deploy: \S*docker run --detach --pull never --init --name shovel-shovel-fixture-\S+-0 /),
      'Wait for health: readiness http /health/ready on http and liveness http /health/live on http pass; docker\'s health status "unhealthy" fails at once, within 13s (two thirds of the deadline; the rollback has the rest)',
      'Stop previous: remove the old containers of shovel-fixture once every new instance is healthy',
      `Record: git tag release/${record.image.tag} + a line in .shovel/releases.log`,
    ]);
    // The run command of the one instance: the engine's default network with the ports
    // published on their stable host ports (the env of this dry run sets no SHOVEL_DOCKER_NETWORK).
    const deploy = record.plan!.find((line) => line.startsWith('Deploy: '))!;
    for (const part of ['--restart unless-stopped', '--stop-timeout 5', '--cpus 0.1', '--memory 64m', '--publish 8080:8080/tcp', '--publish 9090:9090/tcp', '--env GREETING=hello', '--env PORT=8080', '--env HOST=0.0.0.0']) {
      expect(deploy).toContain(` ${part} `);
    }
    expect(deploy).not.toContain('--network');
    expect(deploy.endsWith(` ${record.image.ref}`)).toBe(true);
    expect(stderr).toContain('Dry run: nothing is built, pushed or deployed.');
    expect(stderr).not.toContain('pw-never-shown');
    expect(existsSync(path.join(dir, '.shovel'))).toBe(false);
    expect(await git(dir, 'tag', '--list')).toBe('');
  });

  it('marathon target: asks /v2/info for the version, prints the rendered definition on stdout', async () => {
    const dir = await makeServiceRepo({ extraYaml: `marathon:\n  url: ${standin.url}\n` });
    const { record, stdout } = await dryRun(dir, { deadlineSeconds: 90 });
    expect(record.marathon).toMatchObject({ url: standin.url, version: '1.10.17', dialect: '1.x' });
    const definition = JSON.parse(stdout) as Record<string, unknown>;
    expect(definition).toMatchObject({
      id: '/shovel-fixture',
      container: { docker: { image: record.image.ref } },
      labels: { 'org.opencontainers.image.version': record.image.tag, 'org.opencontainers.image.revision': record.git?.sha },
    });
    expect(record.plan).toContain('Wait: 1 healthy task(s) of the new version within 90s, else roll back to the previous version');
    // Only the read-only info call reached Marathon.
    expect(standin.faults.log).toEqual(['GET /v2/info']);
  });

  it('--dialect skips Marathon entirely; --json carries the definition in the record instead', async () => {
    const dir = await makeServiceRepo({ extraYaml: 'marathon:\n  url: http://127.0.0.1:9/\n' });
    const { record, stdout } = await dryRun(dir, { dialect: '0.15', json: true });
    const printed = JSON.parse(stdout) as ReleaseRecord;
    expect(printed.outcome).toBe('dry-run');
    expect(printed.marathon?.definition).toMatchObject({ container: { docker: { network: 'BRIDGE' } } });
    expect(record.marathon?.dialect).toBe('0.15');
  });

  it('a dirty tree is a warning in a dry run (and the tag says dirty)', async () => {
    const dir = await makeServiceRepo();
    await setBehaviour(dir, { ready: true, message: 'changed' }, false);
    const { record, stderr } = await dryRun(dir);
    expect(record.image.tag).toMatch(/-dirty\.\d{8}T\d{6}Z$/);
    expect(stderr).toContain('a real release needs --allow-dirty');
  });

  it('docker target: the plan follows the network setting, secrets stay off it, a fixed port that host networking cannot give is refused', async () => {
    const yml = (ports: string) => `ports:\n${ports}\n`;
    const withPorts = async (ports: string, extra = '') => {
      const dir = await makeServiceRepo();
      const file = path.join(dir, 'shovel.yml');
      await writeFile(file, (await readFile(file, 'utf8')).replace(/^ports:\n(?:  .*\n)+/m, yml(ports)) + extra);
      await git(dir, 'commit', '-qam', 'ports');
      return dir;
    };
    const hostEnv = { SHOVEL_DOCKER: '/nonexistent/docker', SHOVEL_DOCKER_NETWORK: 'host', API_TOKEN: 'tok-never-shown' };
    const dir = await withPorts('  - { name: http, containerPort: 8080, env: PORT, hostPort: 18080 }\n  - { name: metrics, containerPort: 9090, env: METRICS_PORT }', 'secrets: { API_TOKEN: team/token }\n');
    const { record, stderr } = await dryRun(dir, { env: hostEnv });
    const deploy = record.plan!.find((line) => line.startsWith('Deploy: '))!;
    expect(deploy).toContain(' --network host ');
    expect(deploy).toContain(' --env PORT=18080 ');
    // A secret travels as --env NAME: the value would come from the shell, never the command line.
    expect(deploy).toContain(' --env API_TOKEN ');
    expect(deploy).not.toContain('--publish');
    expect(`${JSON.stringify(record)}${stderr}`).not.toContain('tok-never-shown');

    const fixed = await withPorts('  - { name: es, containerPort: 9200, hostPort: 19200 }');
    await expect(dryRun(fixed, { env: hostEnv })).rejects.toThrow(/ports\[0\] \(es\) has no env, so the software binds 9200 itself/);
  });
});
