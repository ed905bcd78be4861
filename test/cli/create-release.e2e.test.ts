/**
 * `create-shovel NAME --yes --release`: generate, git init + commit, npm install, then the
 * first release to the local Docker engine, all from the built bin without a TTY. Exit 0 must
 * mean the new service serves healthy at the URL create-shovel printed, and --json must carry
 * the release record. Real engine, real registry with auth, the local base image (nothing is
 * pulled: --node-image points the generated Dockerfile at it).
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import type { ReleaseRecord } from '../../src/release/record.js';
import { createShovel, tempDir } from '../support/cli.js';
import { dockerSuite } from '../support/environment.js';
import { DOCKER_RELEASE_STEPS } from '../release/helpers.js';
import { freePortPair } from '../support/service-fixture.js';

dockerSuite('create-shovel --release (built bin, real engine and registry)', (env) => {
  const name = `cr-e2e-${randomBytes(3).toString('hex')}`;
  let cwd = '';
  const docker = (...args: string[]) => execa(env.docker, args, { reject: false });
  const containers = async (all = false) =>
    (await docker('ps', ...(all ? ['-a'] : []), '--filter', `label=shovel.service=${name}`, '--format', '{{.Names}}')).stdout.split('\n').filter(Boolean);

  afterAll(async () => {
    const ids = (await docker('ps', '-aq', '--filter', `label=shovel.service=${name}`)).stdout.split('\n').filter(Boolean);
    if (ids.length) await docker('rm', '-f', ...ids);
    const images = (await docker('images', '-q', '--filter', `label=shovel.service=${name}`)).stdout.split('\n').filter(Boolean);
    if (images.length) await docker('rmi', '-f', ...new Set(images));
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('generates, installs, commits and releases: exit 0, healthy at the printed URL, the record in --json', async () => {
    cwd = await tempDir('shovel-create-release-');
    const started = Date.now();
    const r = await createShovel(
      // Ports of its own (metrics is port + 1): the docker target binds them on this host, where other suites run too.
      [name, '--yes', '--release', '--json', '--image-repository', env.registry, '--node-image', env.nodeImage, '--instances', '1', '--port', String(await freePortPair())],
      {
        cwd,
        env: {
          SHOVEL_DOCKER: env.docker,
          SHOVEL_REGISTRY_USER: env.registryUser,
          SHOVEL_REGISTRY_PASSWORD: env.registryPassword,
          MARATHON_USER: undefined,
          MARATHON_PASSWORD: undefined,
          MARATHON_TOKEN: undefined,
        },
      },
    );
    const ms = Date.now() - started;
    console.info(`[create-shovel --release] ${ms} ms`);
    expect(r.exitCode, r.all).toBe(0);
    expect(`${r.stdout}\n${r.stderr}`).not.toContain(env.registryPassword);

    const report = JSON.parse(r.stdout) as { outcome: string; target: string; release: ReleaseRecord; steps: { name: string; status: string }[] };
    expect(report.outcome).toBe('created');
    expect(report.target).toBe(path.join(cwd, name));
    const record = report.release;
    expect(record).toMatchObject({ kind: 'release', outcome: 'healthy', target: 'docker', service: name });
    expect(record.image.ref).toMatch(new RegExp(`^${env.registry.replaceAll('.', '\\.')}/${name}:0\\.1\\.0-[0-9a-f]{7}$`));
    expect(record.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual(DOCKER_RELEASE_STEPS);
    // Generation ran its own steps; the install ran beside the release (its image build
    // installs its own dependencies) and left a complete local tree.
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(expect.arrayContaining(['Install dependencies (npm ci):ok']));
    expect(r.stderr).toContain('First release (npm ci runs beside it):');
    expect(JSON.parse(await readFile(path.join(cwd, name, 'node_modules', 'fastify', 'package.json'), 'utf8'))).toMatchObject({ name: 'fastify' });

    // The URL printed for the user serves the new service, healthy.
    const printed = /Released \S+ \(docker\): (http:\/\/127\.0\.0\.1:\d+)/.exec(r.stderr)?.[1];
    expect(printed, r.stderr).toBe(record.url);
    expect((await fetch(`${printed}/health/ready`)).status).toBe(200);
    expect((await fetch(`${printed}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${printed}/v1/hello?name=create`)).json()).toEqual({ message: 'Hello, create!' });
    expect(await containers()).toEqual([record.docker?.container]);

    // The release was recorded in the new repository, whose tree stays clean.
    const repo = path.join(cwd, name);
    const git = (...args: string[]) => execa('git', args, { cwd: repo }).then((x) => x.stdout);
    expect(await git('rev-parse', 'HEAD')).toBe(record.git?.sha);
    expect(await git('tag', '--list', 'release/*')).toBe(`release/${record.image.tag}`);
    expect(await git('status', '--porcelain')).toBe('');
    expect(await readFile(path.join(repo, '.shovel', 'releases.log'), 'utf8')).toContain(record.image.digest!);
  }, 300_000);
});
