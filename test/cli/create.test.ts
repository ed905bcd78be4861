import { execa } from 'execa';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createShovel, tempDir } from '../support/cli.js';

const QUIET = ['--no-install', '--no-git'];
/** A git with no user identity and no global/system config. */
async function bareGitEnv() {
  const home = await tempDir('shovel-home-');
  return { HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(home, 'none'), XDG_CONFIG_HOME: home };
}

describe('create-shovel (built bin, no TTY)', () => {
  it('--yes generates a service named after the directory, with the answers recorded', async () => {
    const cwd = await tempDir();
    const r = await createShovel(['orders', '--yes', ...QUIET], { cwd });
    expect(r.exitCode, r.all).toBe(0);
    const files = await readdir(path.join(cwd, 'orders'));
    expect(files).toEqual(expect.arrayContaining(['package.json', 'Dockerfile', 'shovel.yml', '.gitignore', '.shovel', 'src']));
    const record = JSON.parse(await readFile(path.join(cwd, 'orders/.shovel/answers.json'), 'utf8'));
    expect(record).toMatchObject({ template: 'service', version: expect.any(String), answers: { name: 'orders', port: 8080 } });
    expect(await readdir(cwd)).toEqual(['orders']);
  });

  it('takes every input as a flag', async () => {
    const cwd = await tempDir();
    const r = await createShovel(
      ['svc', '--name', 'billing', '--description', 'Bills.', '--team', 'payments', '--port', '9000', '--public-host', 'billing.example.com',
        '--cpus', '0.5', '--memory', '512', '--instances', '3', '--image-repository', '127.0.0.1:5000/payments',
        '--marathon-url', 'https://marathon.example.com', '--marathon-group', '/payments', '--node-image', 'node:26-bookworm-slim', ...QUIET],
      { cwd },
    );
    expect(r.exitCode, r.all).toBe(0);
    const { answers } = JSON.parse(await readFile(path.join(cwd, 'svc/.shovel/answers.json'), 'utf8'));
    expect(answers).toEqual({
      name: 'billing', description: 'Bills.', team: 'payments', port: 9000, publicHost: 'billing.example.com', cpus: 0.5, memory: 512,
      instances: 3, imageRepository: '127.0.0.1:5000/payments', marathonUrl: 'https://marathon.example.com', marathonGroup: '/payments',
      nodeImage: 'node:26-bookworm-slim',
    });
  });

  it('never prompts without a TTY: a missing input exits 2 listing the flag, nothing written', async () => {
    const cwd = await tempDir();
    for (const env of [{}, { CI: 'true' }]) {
      const r = await createShovel([...QUIET], { cwd, env });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('missing required input: --name');
    }
    expect(await readdir(cwd)).toEqual([]);
  });

  it('bad input: one line naming the field, value and rule; exit 2; nothing written', async () => {
    const cwd = await tempDir();
    const r = await createShovel(['--name', '../evil', '--yes', ...QUIET], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--name: "..\/evil" must use only lowercase letters/);
    const r2 = await createShovel(['ok-name', '--port', '80', '--yes', ...QUIET], { cwd });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr.split('\n')[0]).toBe('✖ --port: 80 must be a whole number from 1024 to 65535 [SHOVEL_ERR_INPUT_INVALID]');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('refuses a non-empty target and lists what is in the way; --force replaces it but keeps .git', async () => {
    const cwd = await tempDir();
    const dir = path.join(cwd, 'svc');
    await mkdir(path.join(dir, '.git'), { recursive: true });
    await writeFile(path.join(dir, '.git/marker'), 'keep me');
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    const r = await createShovel(['svc', '--yes', ...QUIET], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('is not empty');
    expect(r.stderr).toContain('- notes.txt');
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');

    const forced = await createShovel(['svc', '--yes', '--force', ...QUIET], { cwd });
    expect(forced.exitCode, forced.all).toBe(0);
    expect(await readFile(path.join(dir, '.git/marker'), 'utf8')).toBe('keep me');
    await expect(readFile(path.join(dir, 'notes.txt'))).rejects.toThrow(/ENOENT/);
    expect(await readdir(cwd)).toEqual(['svc']);
  });

  it('--dry-run prints every file with its size and every command, and writes nothing', async () => {
    const cwd = await tempDir();
    const r = await createShovel(['svc', '--yes', '--dry-run', '--release'], { cwd });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/package\.json\s+[\d.]+ (B|KiB)/);
    expect(r.stderr).toContain('[git] git init');
    expect(r.stderr).toContain('[release] shovel release');
    // With a first release the install runs beside it, after the first commit.
    const order = (text: string) => ['[git] git init', '[install] npm ci --prefer-offline --no-audit --no-fund', '[release] shovel release'].map((line) => text.indexOf(line));
    expect(r.stderr).toContain('[install] npm ci --prefer-offline --no-audit --no-fund (beside the release)');
    const beside = order(r.stderr);
    expect([...beside].sort((a, b) => a - b)).toEqual(beside);
    // Without one, the install comes before the first commit.
    const alone = await createShovel(['svc', '--yes', '--dry-run'], { cwd });
    expect(alone.exitCode, alone.all).toBe(0);
    const [git, install] = order(alone.stderr);
    expect(install).toBeGreaterThan(-1);
    expect(install).toBeLessThan(git!);
    expect(alone.stderr).not.toContain('beside the release');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('--json prints one report on stdout and human output on stderr', async () => {
    const cwd = await tempDir();
    const r = await createShovel(['svc', '--yes', '--json', ...QUIET], { cwd });
    expect(r.exitCode, r.all).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ tool: 'create-shovel', outcome: 'created', target: path.join(cwd, 'svc'), inputs: { name: 'svc' } });
    expect(report.files.map((f: { path: string }) => f.path)).toContain('shovel.yml');
    expect(report.files.every((f: { size: number }) => f.size > 0)).toBe(true);
    expect(report.steps[0]).toMatchObject({ status: 'ok', ms: expect.any(Number) });
    expect(report.timings.totalMs).toBeGreaterThan(0);
    expect(r.stderr).toContain('Created svc');

    const bad = await createShovel(['svc2', '--yes', '--json', '--port', 'x', ...QUIET], { cwd });
    expect(bad.exitCode).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ outcome: 'failed', error: { code: 'SHOVEL_ERR_INPUT_INVALID' } });
  });

  it('--answers reads JSON and YAML (flags win); unknown keys are refused', async () => {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, 'a.json'), JSON.stringify({ name: 'from-json', port: 9100, 'public-host': 'x.example.com' }));
    await writeFile(path.join(cwd, 'a.yml'), 'name: from-yaml\ndescription: |\n  Two\n  lines\ninstances: 4\n');
    await writeFile(path.join(cwd, 'bad.yml'), 'name: x\ncolour: blue\n');
    expect((await createShovel(['--answers', 'a.json', '--port', '9200', ...QUIET], { cwd })).exitCode).toBe(0);
    const j = JSON.parse(await readFile(path.join(cwd, 'from-json/.shovel/answers.json'), 'utf8')).answers;
    expect(j).toMatchObject({ port: 9200, publicHost: 'x.example.com' });
    expect((await createShovel(['--answers', 'a.yml', ...QUIET], { cwd })).exitCode).toBe(0);
    const y = JSON.parse(await readFile(path.join(cwd, 'from-yaml/.shovel/answers.json'), 'utf8')).answers;
    expect(y).toMatchObject({ description: 'Two\nlines\n', instances: 4 });
    const bad = await createShovel(['--answers', 'bad.yml', ...QUIET], { cwd });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('unknown input: colour');
    // The record a service keeps re-renders the same service.
    const again = await createShovel(['copy', '--answers', 'from-yaml/.shovel/answers.json', '--name', 'copy', ...QUIET], { cwd });
    expect(again.exitCode, again.all).toBe(0);
    const copy = JSON.parse(await readFile(path.join(cwd, 'copy/.shovel/answers.json'), 'utf8')).answers;
    expect({ ...copy, name: 'from-yaml' }).toEqual(y);
  });

  it('git: inits and commits with a fallback identity when none is configured, and says so', async () => {
    const cwd = await tempDir();
    const env = await bareGitEnv();
    const r = await createShovel(['svc', '--yes', '--no-install'], { cwd, env });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toContain('git has no user.name/user.email');
    const log = await execa('git', ['log', '--format=%an <%ae>|%s'], { cwd: path.join(cwd, 'svc'), env });
    expect(log.stdout).toBe('create-shovel <create-shovel@localhost>|Initial commit from create-shovel');
    const status = await execa('git', ['status', '--porcelain'], { cwd: path.join(cwd, 'svc'), env });
    expect(status.stdout).toBe('');
  });

  it('git: skipped inside an existing work tree', async () => {
    const cwd = await tempDir();
    const env = await bareGitEnv();
    await execa('git', ['init', '-q'], { cwd, env });
    const r = await createShovel(['svc', '--yes', '--no-install', '--json'], { cwd, env });
    expect(r.exitCode, r.all).toBe(0);
    expect(JSON.parse(r.stdout).notes).toContain('git: skipped (the target is inside an existing git work tree)');
    await expect(readdir(path.join(cwd, 'svc/.git'))).rejects.toThrow(/ENOENT/);
  });

  it('git: skipped inside an existing work tree when the target\'s parent is new too, in the plan and the run', async () => {
    const cwd = await tempDir();
    const env = await bareGitEnv();
    await execa('git', ['init', '-q'], { cwd, env });
    const dry = await createShovel(['new/dirs/svc', '--yes', '--no-install', '--dry-run'], { cwd, env });
    expect(dry.exitCode, dry.all).toBe(0);
    expect(dry.stderr).not.toContain('[git]');
    const r = await createShovel(['new/dirs/svc', '--yes', '--no-install', '--json'], { cwd, env });
    expect(r.exitCode, r.all).toBe(0);
    expect(JSON.parse(r.stdout).notes).toContain('git: skipped (the target is inside an existing git work tree)');
    await expect(readdir(path.join(cwd, 'new/dirs/svc/.git'))).rejects.toThrow(/ENOENT/);
  });

  it('a directory name that is not a service name is explained, with a valid name to use', async () => {
    const cwd = await tempDir();
    const r = await createShovel(['MyService', '--yes', '--no-install', '--no-git'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('the directory name "MyService" is not a valid service name: it must use only lowercase letters');
    expect(r.stderr).toContain('pass --name my-service');
    expect(r.stderr).not.toMatch(/missing required input|no terminal/);
    expect(await readdir(cwd)).toEqual([]);
    const ok = await createShovel(['MyService', '--name', 'my-service', '--yes', '--no-install', '--no-git'], { cwd });
    expect(ok.exitCode, ok.all).toBe(0);
  });

  it('a first release that fails after the repository was created says where it is and how to retry', async () => {
    const cwd = await tempDir();
    const r = await createShovel(['svc', '--yes', '--no-install', '--release', '--json'], { cwd, env: { SHOVEL_DOCKER: path.join(cwd, 'no-such-docker') } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/svc was created in svc, but its first release failed \(below\)\. Retry the release alone: cd svc && shovel release/);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'created', releaseFailed: true });
    expect(await readdir(path.join(cwd, 'svc'))).toContain('shovel.yml');
  });

  it('an unknown flag gets a "did you mean"', async () => {
    const r = await createShovel(['svc', '--no-instal'], { cwd: await tempDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('unknown flag --no-instal: did you mean --no-install?');
  });

  it('a failing step exits 1 naming the step and the command, and leaves no target behind', async () => {
    const cwd = await tempDir();
    // A PATH with node and nothing else: npm is missing.
    const bin = await tempDir();
    await symlink(process.execPath, path.join(bin, 'node'));
    const r = await createShovel(['svc', '--yes', '--no-git'], { cwd, env: { PATH: bin } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Install dependencies (npm ci): npm is not installed or not on PATH.');
    expect(r.stderr).toContain('command: npm ci --prefer-offline --no-audit --no-fund');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('--version and --help', async () => {
    const cwd = await tempDir();
    const v = await createShovel(['--version'], { cwd });
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await createShovel(['--help'], { cwd });
    expect(h.exitCode).toBe(0);
    expect(h.stdout).toContain('--marathon-group TEXT');
  });
});
