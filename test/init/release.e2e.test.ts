/**
 * A repository with a Dockerfile and nothing else (no package.json): `shovel init --yes`, a
 * commit, then `shovel release` to the local engine, with no edit by hand.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { commitAll, git, runShovel } from '../release/helpers.js';
import { tempDir } from '../support/cli.js';
import { dockerSuite } from '../support/environment.js';
import { freePort } from '../support/service-fixture.js';

// A server that is not an npm project: one file-less node -e on the port it EXPOSEs (a port of
// its own: with host networking it binds it on this host, where other suites run too).
const dockerfile = (port: number) => `ARG NODE_IMAGE=node:26-bookworm-slim
FROM \${NODE_IMAGE}
USER node
EXPOSE ${port}
CMD ["node", "-e", "require('http').createServer((q, s) => s.end('plain')).listen(${port})"]
`;

dockerSuite('shovel init --yes, then shovel release (real engine and registry)', (env) => {
  const name = `plain-${randomBytes(3).toString('hex')}`;
  const docker = (...args: string[]) => execa(env.docker, args, { reject: false });

  afterAll(async () => {
    const ids = (await docker('ps', '-aq', '--filter', `label=shovel.service=${name}`)).stdout.split('\n').filter(Boolean);
    if (ids.length) await docker('rm', '-f', ...ids);
    const images = (await docker('images', '-q', '--filter', `label=shovel.service=${name}`)).stdout.split('\n').filter(Boolean);
    if (images.length) await docker('rmi', '-f', ...new Set(images));
  });

  it('releases a repository without package.json, tagged from git describe', async () => {
    const dir = path.join(await tempDir('shovel-init-release-'), name);
    await mkdir(dir);
    const port = await freePort();
    await writeFile(path.join(dir, 'Dockerfile'), dockerfile(port));
    const init = await runShovel(['init', '--yes', '--image-repository', env.registry, '--instances', '1'], { cwd: dir });
    expect(init.exitCode, init.stderr).toBe(0);
    await git(dir, 'init', '-q');
    await commitAll(dir, 'first');
    const sha = (await git(dir, 'rev-parse', '--short=7', 'HEAD')).trim();

    const run = await runShovel(['release', '--json'], {
      cwd: dir,
      env: { SHOVEL_DOCKER: env.docker, SHOVEL_REGISTRY_USER: env.registryUser, SHOVEL_REGISTRY_PASSWORD: env.registryPassword, SHOVEL_NODE_IMAGE: env.nodeImage },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const record = JSON.parse(run.stdout.trim().split('\n').pop()!) as { outcome: string; image: { ref: string }; docker?: { url?: string } };
    expect(record.outcome).toBe('healthy');
    expect(record.image.ref).toBe(`${env.registry}/${name}:${sha}-${sha}`);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('plain');
  });
});
