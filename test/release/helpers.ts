/**
 * Helpers of the release tests: a real git repository holding the small fixture service of
 * test/release/fixtures/service, and the built `shovel` bin run as a subprocess.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { SHOVEL_BIN } from '../support/cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURE_DIR = path.join(here, 'fixtures', 'service');
export { SHOVEL_BIN };

/** The steps of a successful docker-target release, as `name:status`, in order. */
export const DOCKER_RELEASE_STEPS = [
  'Preflight:ok',
  'Build:ok',
  'Push:ok',
  'Render:skipped',
  'Deploy:ok',
  'Wait for health:ok',
  'Stop previous:ok',
  'Record:ok',
];

export interface FixtureOptions {
  registry?: string;
  nodeImage?: string;
  serviceId?: string;
  /** Extra YAML appended to shovel.yml (e.g. a marathon: section). */
  extraYaml?: string;
}

/** A temp dir with the fixture service, committed in a fresh git repository. */
export async function makeServiceRepo(options: FixtureOptions = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-release-'));
  await cp(FIXTURE_DIR, dir, { recursive: true });
  const file = path.join(dir, 'shovel.yml');
  let yml = (await readFile(file, 'utf8'))
    .replaceAll('__REGISTRY__', options.registry ?? '127.0.0.1:5000')
    .replaceAll('__NODE_IMAGE__', options.nodeImage ?? 'shovel-node:26');
  if (options.serviceId) yml = yml.replace('id: shovel-fixture', `id: ${options.serviceId}`).replace('/shovel-fixture', `/${options.serviceId}`);
  if (options.extraYaml) yml += options.extraYaml;
  await writeFile(file, yml);
  await git(dir, 'init', '-q');
  await commitAll(dir, 'initial');
  return dir;
}

export async function git(dir: string, ...args: string[]): Promise<string> {
  const result = await execa('git', ['-c', 'user.name=Shovel Test', '-c', 'user.email=test@example.invalid', ...args], { cwd: dir });
  return result.stdout;
}

export async function commitAll(dir: string, message: string): Promise<void> {
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', message);
}

/** Changes the fixture's behaviour.json and commits it (a "code change"). */
export async function setBehaviour(dir: string, behaviour: { ready: boolean; message: string }, commit = true): Promise<void> {
  await writeFile(path.join(dir, 'behaviour.json'), `${JSON.stringify(behaviour)}\n`);
  if (commit) await commitAll(dir, `behaviour: ${behaviour.message}`);
}

export interface ShovelRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built bin; `env` replaces the SHOVEL_/MARATHON_ variables of this process. */
export async function runShovel(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<ShovelRun> {
  const env: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) {
    if (/^(SHOVEL_REGISTRY_|MARATHON_)/.test(key)) env[key] = undefined;
  }
  Object.assign(env, { CI: 'true', NO_COLOR: '1' }, options.env);
  const started = performance.now();
  const result = await execa(process.execPath, [SHOVEL_BIN, ...args], { cwd: options.cwd, env, reject: false, extendEnv: true });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    ms: Math.round(performance.now() - started),
  };
}

/** GET a local URL: the JSON body, or the error code (ECONNREFUSED...) when nothing answers. */
export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> } | { error: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } catch (error) {
    return { error: String((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message) };
  }
}
