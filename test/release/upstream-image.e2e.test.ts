/**
 * An upstream image deployed as it is (shovel.yml image.ref): no build, no push, the image's
 * own program started with `command`, a port read from $PORT, an HTTP health check, and a
 * secret `${VAR}` env value from the releasing shell that no output shows.
 * Real docker engine; the image is the local base image (nothing is pulled).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { dockerSuite } from '../support/environment.js';
import { freePort } from '../support/service-fixture.js';
import { commitAll, git, runShovel } from './helpers.js';

dockerSuite('shovel release of image.ref (no build, no push)', (env) => {
  const service = `shovel-ref-${randomBytes(3).toString('hex')}`;
  const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
  const docker = (...args: string[]) => execa(env.docker, args, { reject: false });

  afterAll(async () => {
    const ids = (await docker('ps', '-aq', '--filter', `label=shovel.service=${service}`)).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker('rm', '-f', ...ids);
  });

  it('dry run and release: the plan builds and pushes nothing, the release serves from the image as it is, exit 0', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-ref-'));
    const port = await freePort();
    // The server answers with the secret's length only: the value itself must never be printed.
    const program = "require('http').createServer((q, s) => s.end(String(process.env.TOKEN.length))).listen(process.env.PORT)";
    await writeFile(
      path.join(dir, 'shovel.yml'),
      [
        `service: { id: ${service} }`,
        `image: { ref: ${JSON.stringify(env.nodeImage)} }`,
        'resources: { cpus: 0.5, memory: 128, instances: 1 }',
        `ports: [{ name: http, containerPort: 8080, env: PORT, hostPort: ${port} }]`,
        'health: { liveness: /, readiness: /, intervalSeconds: 2, timeoutSeconds: 1 }',
        `command: ${JSON.stringify(`node -e ${JSON.stringify(program)}`)}`,
        'env: { TOKEN: "${REF_TEST_TOKEN}" }',
        'shutdown: { delayMs: 0, timeoutMs: 1000 }',
        'killGracePeriodSeconds: 5',
        'release: { deadlineSeconds: 60 }',
        '',
      ].join('\n'),
    );
    await git(dir, 'init', '-q');
    await commitAll(dir, 'shovel.yml only');
    const shovelEnv = { SHOVEL_DOCKER: env.docker, SHOVEL_DOCKER_NETWORK: 'host', REF_TEST_TOKEN: secret };

    const missing = await runShovel(['release'], { cwd: dir, env: { ...shovelEnv, REF_TEST_TOKEN: undefined } });
    expect(missing.exitCode, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('REF_TEST_TOKEN');

    const dry = await runShovel(['release', '--dry-run', '--json'], { cwd: dir, env: shovelEnv });
    expect(dry.exitCode, dry.stderr).toBe(0);
    const plan = (JSON.parse(dry.stdout) as { plan: string[] }).plan;
    expect(plan.find((l) => l.startsWith('Build:'))).toBe(`Build: skipped, image.ref ${env.nodeImage} is deployed as it is`);
    expect(plan.some((l) => l.startsWith('Push:'))).toBe(false);

    const run = await runShovel(['release', '--json'], { cwd: dir, env: shovelEnv });
    expect(run.exitCode, run.stderr).toBe(0);
    const record = JSON.parse(run.stdout) as { image: { ref: string }; steps: { name: string; status: string }[] };
    expect(record.image.ref).toBe(env.nodeImage);
    expect(record.steps.find((s) => s.name === 'Build')?.status).toBe('skipped');
    expect(record.steps.some((s) => s.name === 'Push')).toBe(false);
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    expect(await answer.text()).toBe(String(secret.length));
    expect(`${dry.stdout}${dry.stderr}${run.stdout}${run.stderr}`).not.toContain(secret);
  });
});
