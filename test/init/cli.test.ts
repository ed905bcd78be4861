import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { SHOVEL_BIN, tempDir } from '../support/cli.js';

// The user's docker networking (published ports), whatever this machine's test environment sets.
const shovel = (cwd: string, ...args: string[]) =>
  execa('node', [SHOVEL_BIN, ...args], { cwd, reject: false, input: '', env: { NO_COLOR: '1', CI: undefined, SHOVEL_DOCKER_NETWORK: undefined }, extendEnv: true });
const git = (cwd: string, ...args: string[]) =>
  promisify(execFile)('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', '-c', 'commit.gpgsign=false', ...args], { cwd });

async function repo(): Promise<string> {
  const dir = path.join(await tempDir('shovel-init-cli-'), 'static-site');
  await mkdir(dir);
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM nginx:1.27\nEXPOSE 8080\nHEALTHCHECK CMD ["curl", "-f", "http://localhost:8080/status"]\nUSER nginx\n');
  return dir;
}

describe('shovel init (built bin)', () => {
  it('init --yes, then release --dry-run and render, with no package.json and no edit by hand', async () => {
    const dir = await repo();
    const init = await shovel(dir, 'init', '--yes', '--public-host', 'www.example.com');
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain('Wrote shovel.yml: service static-site, image 127.0.0.1:5000/static-site, http 8080, health http /status on http');
    expect(await readdir(dir)).toEqual(['Dockerfile', 'shovel.yml']);
    await git(dir, 'init', '-q');
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-qm', 'first');
    const { stdout: sha } = await git(dir, 'rev-parse', '--short=7', 'HEAD');

    const dry = await shovel(dir, 'release', '--dry-run', '--version', '1.0.0');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(`${dry.stdout}${dry.stderr}`).toContain(`127.0.0.1:5000/static-site:1.0.0-${sha.trim()}`);

    const render = await shovel(dir, 'render', '--dialect', '1.x');
    expect(render.exitCode, render.stderr).toBe(0);
    const app = JSON.parse(render.stdout) as { id: string; healthChecks: Array<{ path?: string }>; labels: Record<string, string> };
    expect(app.id).toBe('/static-site');
    expect(app.healthChecks[0]!.path).toBe('/status');
    expect(Object.values(app.labels)).toContain('www.example.com');
  });

  it('refuses to replace shovel.yml (exit 2, file unchanged) and refuses bad flags (exit 2, nothing written)', async () => {
    const dir = await repo();
    await writeFile(path.join(dir, 'shovel.yml'), 'mine\n');
    const again = await shovel(dir, 'init', '--yes');
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('already exists; shovel init never replaces it');
    expect(await readFile(path.join(dir, 'shovel.yml'), 'utf8')).toBe('mine\n');

    const fresh = await repo();
    const bad = await shovel(fresh, 'init', '--yes', '--cpus', '100');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--cpus: 100 must be a number from 0.01 to 64');
    expect(await readdir(fresh)).toEqual(['Dockerfile']);
    expect((await shovel(fresh, 'release', '--yes')).stderr).toContain('--yes does not apply to "shovel release"');
  });

  it('--help lists init and its flags with their defaults', async () => {
    const help = await shovel(process.cwd(), '--help');
    expect(help.stdout).toMatch(/^ {2}init +Write a commented shovel\.yml/m);
    expect(help.stdout).toContain('--health-path TEXT');
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('(default: the first EXPOSE port, else 8080)');
  });
});
