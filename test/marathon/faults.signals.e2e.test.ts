/**
 * SIGINT during `shovel release` on Marathon, end to end: the built bin, a real docker engine
 * and registry, the Marathon stand-in running tasks as real containers.
 * - one SIGINT while the new version is not yet healthy: roll back through the same gate,
 *   then exit 130 saying so;
 * - a second SIGINT during that rollback: exit at once, saying what is left and how to finish.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dockerSuite } from '../support/environment.js';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { getJson, makeServiceRepo, runShovel, setBehaviour, SHOVEL_BIN } from '../release/helpers.js';

dockerSuite('SIGINT during shovel release on Marathon (stand-in with real containers)', (env) => {
  const serviceId = `shovel-sig-${randomBytes(3).toString('hex')}`;
  const appId = `/e2e/${serviceId}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  let standin: MarathonStandin;
  let dir = '';
  const shovelEnv = () => ({
    SHOVEL_DOCKER: env.docker,
    SHOVEL_REGISTRY_USER: env.registryUser,
    SHOVEL_REGISTRY_PASSWORD: env.registryPassword,
    MARATHON_USER: 'deployer',
    MARATHON_PASSWORD: password,
  });
  const serving = async () => {
    const tasks = standin.app(appId)?.tasks.filter((t) => t.state === 'running') ?? [];
    const answers = await Promise.all(tasks.map((t) => getJson(`http://127.0.0.1:${t.ports[0]}/`)));
    return answers.map((a) => ('body' in a ? a.body.message : a.error));
  };
  /** Starts a release; resolves once the new version's deployment runs in Marathon. */
  const startRelease = async () => {
    const vars: Record<string, string | undefined> = {};
    for (const key of Object.keys(process.env)) if (/^(SHOVEL_REGISTRY_|MARATHON_)/.test(key)) vars[key] = undefined;
    const child = execa(process.execPath, [SHOVEL_BIN, 'release'], { cwd: dir, env: { ...vars, CI: 'true', NO_COLOR: '1', ...shovelEnv() }, extendEnv: true, reject: false });
    const before = standin.app(appId)!.version;
    await expect.poll(() => standin.app(appId)!.version !== before && standin.engine.runningDeployments(appId).length > 0, { timeout: 60_000, interval: 50 }).toBe(true);
    // Let the wait start (the new task is starting and not ready).
    await new Promise((r) => setTimeout(r, 1000));
    // Wrapped: a subprocess is a promise, and an async function would wait for it.
    return { child };
  };

  beforeAll(async () => {
    standin = await startMarathonStandin({ runner: 'docker', docker: env.docker, auth: { basic: { user: 'deployer', password } } });
    dir = await makeServiceRepo({ registry: env.registry, nodeImage: env.nodeImage, serviceId, extraYaml: `marathon:\n  url: ${standin.url}\n` });
    const file = `${dir}/shovel.yml`;
    await writeFile(file, (await readFile(file, 'utf8')).replace(`  id: ${serviceId}\n`, `  id: ${serviceId}\n  group: /e2e\n`));
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qam', 'marathon'], { cwd: dir });
    const first = await runShovel(['release'], { cwd: dir, env: shovelEnv() });
    expect(first.exitCode, first.stderr).toBe(0);
  });

  afterAll(async () => {
    await standin?.close();
    const docker = (...args: string[]) => execa(env.docker, args, { reject: false });
    const images = (await docker('images', '-q', '--filter', `label=shovel.service=${serviceId}`)).stdout.split('\n').filter(Boolean);
    if (images.length) await docker('rmi', '-f', ...new Set(images));
  });

  it('one SIGINT: rolled back through the same gate, exit 130, the previous version serving', async () => {
    await setBehaviour(dir, { ready: false, message: 'never-ready' });
    const { child } = await startRelease();
    const started = Date.now();
    child.kill('SIGINT');
    const run = await child;
    expect(run.exitCode, String(run.stderr)).toBe(130);
    expect(String(run.stderr)).toMatch(/Rolled back to version \S+, which is serving and healthy/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(standin.engine.runningDeployments(appId)).toEqual([]);
    expect(await serving()).toEqual(['first']);
    expect(`${String(run.stdout)}${String(run.stderr)}`).not.toContain(password);
  });

  it('a second SIGINT during the rollback exits at once and says what is left and how to finish', async () => {
    await setBehaviour(dir, { ready: false, message: 'never-ready-2' });
    const puts = standin.faults.putBodies.length;
    const { child } = await startRelease();
    child.kill('SIGINT');
    // The rollback deployment is under way (its PUT goes out at once after the first signal).
    await expect.poll(() => standin.faults.putBodies.slice(puts).some((b) => String(b).includes('"version"')), { timeout: 10_000, interval: 20 }).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    const second = Date.now();
    child.kill('SIGINT');
    const run = await child;
    expect(run.exitCode, String(run.stderr)).toBe(130);
    expect(Date.now() - second).toBeLessThan(3000);
    const stderr = String(run.stderr);
    expect(stderr).toContain('Stopped at once, with work left: Rollback deployment');
    expect(stderr).toMatch(/shovel rollback \S+ --force/);
    expect(stderr).not.toContain(password);
    // Marathon finishes the rollback on its own: the previous version serves again.
    await expect.poll(() => standin.engine.runningDeployments(appId).length, { timeout: 60_000, interval: 200 }).toBe(0);
    expect(await serving()).toEqual(['first']);
  });
});
