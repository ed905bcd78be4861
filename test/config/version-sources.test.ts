import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { readVersionFacts } from '../../src/release/preflight.js';
import { SHOVEL_BIN, tempDir } from '../support/cli.js';

const git = (cwd: string, ...args: string[]) =>
  promisify(execFile)('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], { cwd });

const CONFIG = `service:
  id: plain-app
image:
  repository: 127.0.0.1:5000/plain-app
resources: { cpus: 0.1, memory: 64, instances: 1 }
ports: { http: 9200, metrics: 9201 }
health: {}
`;

/** A git repository with one commit, no package.json unless given. */
async function repo(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('shovel-version-');
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  await git(dir, 'init', '-q');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'first');
  return dir;
}

describe('the release version', () => {
  it('comes from --version, else shovel.yml, else package.json, else git describe --tags --always', async () => {
    const dir = await repo({ 'package.json': JSON.stringify({ version: '3.0.0', description: 'from npm' }) });
    expect(await readVersionFacts(dir, { override: '9.9.9', configured: '2.0.0' })).toEqual({ version: '9.9.9', source: '--version', description: 'from npm' });
    expect(await readVersionFacts(dir, { configured: '2.0.0' })).toMatchObject({ version: '2.0.0', source: 'shovel.yml' });
    expect(await readVersionFacts(dir)).toMatchObject({ version: '3.0.0', source: 'package.json' });

    const plain = await repo({ Dockerfile: 'FROM scratch\n' });
    const { stdout: sha } = await git(plain, 'rev-parse', '--short', 'HEAD');
    expect(await readVersionFacts(plain)).toEqual({ version: sha.trim(), source: 'git describe' });
    await git(plain, 'tag', 'v1.4.0');
    expect(await readVersionFacts(plain)).toEqual({ version: 'v1.4.0', source: 'git describe' });
  });

  it('a package.json without a version falls through to git describe; a broken one is an error', async () => {
    const dir = await repo({ 'package.json': '{"name":"x"}' });
    expect((await readVersionFacts(dir)).source).toBe('git describe');
    await writeFile(path.join(dir, 'package.json'), '{ nope');
    await expect(readVersionFacts(dir)).rejects.toMatchObject({ code: 'SHOVEL_ERR_PACKAGE_JSON' });
  });

  it('without any source and no commit, says how to give one', async () => {
    const dir = await tempDir('shovel-version-');
    await git(dir, 'init', '-q');
    const error = await readVersionFacts(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'SHOVEL_ERR_VERSION' });
  });

  it('shovel.yml version is a quoted string of tag-safe characters', () => {
    expect(parseConfig(`${CONFIG}version: "1.2.0+build.5"\n`).version).toBe('1.2.0+build.5');
    expect(() => parseConfig(`${CONFIG}version: 1.2\n`)).toThrow(UsageError);
    expect(() => parseConfig(`${CONFIG}version: "1 2"\n`)).toThrow(UsageError);
  });
});

describe('shovel render in a repository without package.json (built bin)', () => {
  const render = (cwd: string, ...args: string[]) =>
    execa('node', [SHOVEL_BIN, 'render', '--dialect', '1.x', ...args], { cwd, reject: false, env: { NO_COLOR: '1', CI: undefined }, extendEnv: true });
  const imageOf = (stdout: string) => (JSON.parse(stdout) as { container: { docker: { image: string } } }).container.docker.image;

  it('tags the image with git describe, shovel.yml version or --version', async () => {
    const dir = await repo({ 'shovel.yml': CONFIG, Dockerfile: 'FROM scratch\n' });
    const { stdout: sha } = await git(dir, 'rev-parse', '--short=7', 'HEAD');
    const short = sha.trim();
    const described = await render(dir);
    expect(described.exitCode, described.stderr).toBe(0);
    expect(imageOf(described.stdout)).toBe(`127.0.0.1:5000/plain-app:${short}-${short}`);

    await writeFile(path.join(dir, 'shovel.yml'), `${CONFIG}version: "2.1.0"\n`);
    await git(dir, 'commit', '-qam', 'version');
    const { stdout: sha2 } = await git(dir, 'rev-parse', '--short=7', 'HEAD');
    expect(imageOf((await render(dir)).stdout)).toBe(`127.0.0.1:5000/plain-app:2.1.0-${sha2.trim()}`);
    expect(imageOf((await render(dir, '--version', '7.0.0-rc.1')).stdout)).toBe(`127.0.0.1:5000/plain-app:7.0.0-rc.1-${sha2.trim()}`);
    expect(imageOf((await render(dir, '--version=7.0.1')).stdout)).toBe(`127.0.0.1:5000/plain-app:7.0.1-${sha2.trim()}`);
  });

  it('a bare --version still shows shovel\'s own; a bad value or a command without versions is exit 2', async () => {
    const dir = await repo({ 'shovel.yml': CONFIG });
    const own = await execa('node', [SHOVEL_BIN, '--version'], { cwd: dir, reject: false });
    expect(own.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const bad = await render(dir, '--version', 'a b');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--version must be a version');
    const status = await execa('node', [SHOVEL_BIN, 'status', '--version', '1.0.0'], { cwd: dir, reject: false });
    expect(status.exitCode).toBe(2);
    expect(status.stderr).toContain('--version VERSION does not apply to "shovel status"');
  });
});
