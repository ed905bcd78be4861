/**
 * The built `shovel` bin as a user runs it (run `npm run build` first; `npm test` does).
 * Exit codes: 0 ok, 1 a step failed, 2 bad flags or config.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAGS } from '../../src/cli/shovel-flags.js';
import { loadConfig } from '../../src/config/load.js';
import { MarathonClient } from '../../src/marathon/client.js';
import { renderAppDefinition } from '../../src/marathon/render.js';
import { startMarathonStandin } from '../support/marathon-standin/index.js';
import { makeServiceRepo, runShovel } from '../release/helpers.js';

const tmp = () => mkdtemp(path.join(os.tmpdir(), 'shovel-cli-'));

describe('shovel (built bin)', () => {
  it('--help lists every command and every flag with its default, and exits 0', async () => {
    const run = await runShovel(['--help'], { cwd: await tmp() });
    expect(run.exitCode).toBe(0);
    for (const command of ['release', 'render', 'status', 'rollback [version]', 'logs', 'history', 'stop']) expect(run.stdout).toContain(`  ${command}`);
    for (const flag of FLAGS) {
      expect(run.stdout).toContain(`--${flag.name}`);
      // Wrapped to the terminal: compare with the line breaks folded.
      if (flag.defaultText) expect(run.stdout.replace(/\s+/g, ' ')).toContain(`(default: ${flag.defaultText})`);
    }
    expect(run.stdout).toContain('Exit codes: 0 released and healthy');
    expect(run.stdout.split('\n').every((line) => line.length <= 80), 'wrapped to 80 columns without a terminal').toBe(true);
  });

  it('--version prints the package version', async () => {
    const run = await runShovel(['--version'], { cwd: await tmp() });
    expect(run).toMatchObject({ exitCode: 0, stdout: '0.1.0' });
  });

  it('no command: help on stdout, exit 2', async () => {
    const run = await runShovel([], { cwd: await tmp() });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toContain('Usage: shovel <command>');
  });

  it.each([
    [['release', '--bogus'], 'Unknown flag --bogus.'],
    [['release', '--dryrun'], 'Unknown flag --dryrun: did you mean --dry-run?'],
    [['relase'], 'Unknown command "relase": did you mean "release"?'],
    [['deploy'], 'Unknown command "deploy"'],
    [['release', '--target', 'k8s'], '--target must be one of marathon, docker (got "k8s")'],
    [['release', '--deadline', 'soon'], '--deadline must be a whole number of seconds'],
    [['status', '--dry-run'], '--dry-run does not apply to "shovel status"'],
    [['release', 'extra'], 'Unexpected argument "extra"'],
    [['logs', '--tail', 'ten'], '--tail must be a whole number of lines (got "ten")'],
    [['release', '--follow'], '--follow does not apply to "shovel release"'],
  ])('%j exits 2 naming the problem', async (args, message) => {
    const run = await runShovel(args, { cwd: await tmp() });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('missing shovel.yml: exit 2 with a clear message and what to do', async () => {
    const dir = await tmp();
    const run = await runShovel(['release'], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`No shovel.yml found at ${path.join(dir, 'shovel.yml')}.`);
    expect(run.stderr).toContain('pass --config PATH');
  });

  it('an invalid shovel.yml: exit 2 listing every problem with its line', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'shovel.yml'), 'service:\n  id: Bad_Name\nports:\n  http: 1\n');
    const run = await runShovel(['status'], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('shovel.yml:2: service.id must');
    expect(run.stderr).toContain('shovel.yml:4: ports.http must be a whole number from 1024 to 65535');
    expect(run.stderr).toContain('shovel.yml:1: image must be set (an object)');
  });

  it('release --dry-run --json prints exactly one JSON record on stdout', async () => {
    const dir = await makeServiceRepo();
    const run = await runShovel(['release', '--dry-run', '--json'], { cwd: dir, env: { SHOVEL_DOCKER: '/nonexistent' } });
    expect(run.exitCode, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ outcome: 'dry-run', target: 'docker', kind: 'release' });
    expect(run.stderr).toContain('▶ Preflight');
  });

  it('a missing docker client fails Preflight naming the binary, exit 1', async () => {
    const dir = await makeServiceRepo();
    const run = await runShovel(['release'], { cwd: dir, env: { SHOVEL_DOCKER: '/nonexistent/docker' } });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('Preflight: The docker client "/nonexistent/docker" was not found.');
  });

  it('render without marathon.url needs --dialect', async () => {
    const dir = await makeServiceRepo();
    const run = await runShovel(['render'], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('needs --dialect');
    const ok = await runShovel(['render', '--dialect', '1.x'], { cwd: dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ id: '/shovel-fixture' });
  });

  it('history lists the recorded releases of this service, newest first; --json gives them as data', async () => {
    const dir = await makeServiceRepo();
    const empty = await runShovel(['history'], { cwd: dir });
    expect(empty).toMatchObject({ exitCode: 0, stdout: 'No release of shovel-fixture is recorded in .shovel/releases.log.' });
    const record = (at: string, tag: string, outcome: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ schemaVersion: 1, kind: 'release', outcome, service: 'shovel-fixture', appId: '/shovel-fixture', target: 'docker', image: { repository: 'r', tag, ref: `r:${tag}` }, startedAt: at, durationMs: 2500, steps: [], ...extra });
    await mkdir(path.join(dir, '.shovel'));
    await writeFile(
      path.join(dir, '.shovel', 'releases.log'),
      [
        record('2026-12-01T10:00:00.000Z', '1.0.0-aaaaaaa', 'healthy', { url: 'http://127.0.0.1:8080' }),
        record('2026-12-01T11:00:00.000Z', '1.1.0-bbbbbbb', 'failed', { error: { code: 'SHOVEL_ERR_NOT_HEALTHY', step: 'Wait for health', message: 'x' } }),
        record('2026-12-01T11:30:00.000Z', '1.1.0-bbbbbbb', 'dry-run'),
        JSON.stringify({ schemaVersion: 1, kind: 'release', outcome: 'healthy', service: 'other', target: 'docker', image: { tag: '9' }, startedAt: '2026-12-01T12:00:00.000Z', steps: [] }),
        '{"cut short',
      ].join('\n') + '\n',
    );
    const run = await runShovel(['history'], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      '2026-12-01T11:00:00Z  release  failed   docker  1.1.0-bbbbbbb  2.5s  SHOVEL_ERR_NOT_HEALTHY in Wait for health',
      '2026-12-01T10:00:00Z  release  healthy  docker  1.0.0-aaaaaaa  2.5s  http://127.0.0.1:8080',
    ]);
    const json = JSON.parse((await runShovel(['history', '--json'], { cwd: dir })).stdout) as { entries: Array<{ version: string }> };
    expect(json.entries.map((e) => e.version)).toEqual(['1.1.0-bbbbbbb', '1.0.0-aaaaaaa']);
    expect((await runShovel(['history', '--target', 'marathon'], { cwd: dir })).stdout).toContain('No release of shovel-fixture');
  });

  it('logs on the Marathon target says where task output is, exit 2', async () => {
    const dir = await makeServiceRepo({ extraYaml: 'marathon:\n  url: http://127.0.0.1:9/\n' });
    const run = await runShovel(['logs'], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('shovel logs reads the docker target only');
  });

  it('stop on Marathon scales the app to 0 and returns once no task is left', async () => {
    const standin = await startMarathonStandin({ runner: 'in-process', secondMs: 50 });
    try {
      const dir = await makeServiceRepo({ extraYaml: `marathon:\n  url: ${standin.url}\n` });
      const { config } = await loadConfig(dir);
      const client = new MarathonClient({ url: standin.url });
      await client.putApp('/shovel-fixture', { ...renderAppDefinition(config, { image: 'standin/healthy:1', dialect: '1.x' }), instances: 2 });
      for (let i = 0; i < 100 && (standin.app('/shovel-fixture')?.tasks.length ?? 0) < 2; i += 1) await new Promise((r) => setTimeout(r, 50));
      const tasks = (await client.getApp('/shovel-fixture'))!.tasks!.map((t) => t.id).sort();
      expect(tasks).toHaveLength(2);
      const run = await runShovel(['stop', '--json', '--deadline', '30'], { cwd: dir });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ target: 'marathon', appId: '/shovel-fixture' });
      expect((JSON.parse(run.stdout) as { stopped: string[] }).stopped.sort()).toEqual(tasks);
      expect(await client.getApp('/shovel-fixture')).toMatchObject({ instances: 0, tasks: [] });
    } finally {
      await standin.close();
    }
  });
});
