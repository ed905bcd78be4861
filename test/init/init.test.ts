import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { init, type InitOptions } from '../../src/init/index.js';
import { initQuestions } from '../../src/init/prompt.js';
import { RANGES } from '../../src/inputs/rules.js';
import { tempDir } from '../support/cli.js';

const ELASTIC = `# syntax and comments are fine
FROM debian:12-slim AS base
ARG HTTP_PORT=9200
USER elastic
FROM base
EXPOSE \${HTTP_PORT} 9300
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=5 \\
  CMD curl -fsS http://localhost:9200/_cluster/health?local=true || exit 1
`;

async function repo(name: string, dockerfile: string | undefined): Promise<string> {
  const dir = path.join(await tempDir('shovel-init-'), name);
  await mkdir(dir);
  if (dockerfile !== undefined) await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

const run = (cwd: string, given: InitOptions['given'] = {}) => init({ cwd, given, interactive: false, signal: new AbortController().signal });

describe('shovel init (no questions)', () => {
  it('writes a commented shovel.yml from the Dockerfile that the loader accepts; no package.json needed', async () => {
    const dir = await repo('Search_Cluster', ELASTIC);
    const result = await run(dir);
    const text = await readFile(path.join(dir, 'shovel.yml'), 'utf8');
    const { config } = await loadConfig(dir);
    expect(config).toEqual(result.config);
    expect(config.service.id).toBe('search-cluster');
    expect(config.image.repository).toBe('127.0.0.1:5000/search-cluster');
    expect(config.ports).toEqual([
      { name: 'http', containerPort: 9200, protocol: 'tcp', public: false, hostPort: 9200 },
      { name: 'port-9300', containerPort: 9300, protocol: 'tcp', public: false, hostPort: 9300 },
    ]);
    expect(config.metrics).toBeUndefined();
    const check = { type: 'http', path: '/_cluster/health', port: 'http' };
    expect(config.health).toMatchObject({ liveness: check, readiness: check, intervalSeconds: 15, timeoutSeconds: 3, gracePeriodSeconds: 60, maxConsecutiveFailures: 5 });
    expect(config.marathon.url).toBe('');
    expect(text).toContain('# EXPOSE 9200 (Dockerfile line 6)');
    expect(text).toContain('# From HEALTHCHECK (Dockerfile line 7): curl -fsS http://localhost:9200/_cluster/health?local=true || exit 1');
    expect(text).toContain('# The container runs as USER elastic (Dockerfile).');
    expect(text).toContain('# publicHost:');
    expect(result.notes).toEqual([]);
    expect(await readdir(dir)).toEqual(['Dockerfile', 'shovel.yml']);
  });

  it('flags win over the proposals and are checked with the shared rules', async () => {
    const dir = await repo('web', 'FROM nginx:1.27\nEXPOSE 8080\n');
    const { config } = await run(dir, { name: 'front', publicHost: 'www.example.com', cpus: '0.5', memory: '128', instances: '3', healthPath: '/healthz', imageRepository: '127.0.0.1:5000/team' });
    expect(config).toMatchObject({
      service: { id: 'front' },
      image: { repository: '127.0.0.1:5000/team/front' },
      resources: { cpus: 0.5, memory: 128, instances: 3 },
      publicHost: 'www.example.com',
      health: { liveness: { type: 'http', path: '/healthz', port: 'http' }, readiness: { type: 'http', path: '/healthz', port: 'http' } },
    });
    expect(config.ports).toMatchObject([{ name: 'http', containerPort: 8080, public: true }]);
    const bad = await repo('web', 'FROM nginx:1.27\nEXPOSE 8080\n');
    const error = (await run(bad, { name: 'Bad_Name!', instances: String(RANGES.instances.max + 1) }).catch((e: unknown) => e)) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.details).toEqual([
      '--name: "Bad_Name!" must use only lowercase letters, digits and hyphens (a DNS label, an npm name and a Marathon app id)',
      `--instances: ${RANGES.instances.max + 1} must be a whole number from ${RANGES.instances.min} to ${RANGES.instances.max}`,
    ]);
    expect(await readdir(bad)).toEqual(['Dockerfile']);
  });

  it('never replaces an existing shovel.yml: exit 2, nothing written, before reading anything', async () => {
    const dir = await repo('app', 'FROM a:1\nEXPOSE 8080\n');
    await writeFile(path.join(dir, 'shovel.yml'), 'mine\n');
    const error = (await run(dir).catch((e: unknown) => e)) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('SHOVEL_ERR_INIT_EXISTS');
    expect(await readFile(path.join(dir, 'shovel.yml'), 'utf8')).toBe('mine\n');
  });

  it('any software: port 80 is fine, a HEALTHCHECK command becomes a command check, no check becomes a TCP check', async () => {
    const nginx = await repo('nginx', 'FROM nginx:1.27\nEXPOSE 80\nHEALTHCHECK CMD ["curl", "-fsS", "http://localhost/"]\n');
    const web = await run(nginx);
    expect(web.config.ports).toMatchObject([{ name: 'http', containerPort: 80, hostPort: 10080 }]);
    expect(web.config.health.liveness).toEqual({ type: 'http', path: '/', port: 'http' });
    const redis = await repo('cache', 'FROM redis:7\nEXPOSE 6379\nHEALTHCHECK CMD ["redis-cli", "ping"]\n');
    const cache = await run(redis);
    expect(cache.config.ports).toMatchObject([{ name: 'main', containerPort: 6379 }]);
    expect(cache.config.health.liveness).toEqual({ type: 'command', command: 'redis-cli ping' });
    expect(cache.config.health.readiness).toEqual({ type: 'command', command: 'redis-cli ping' });
    const quoted = await repo('quoted', 'FROM a:1\nEXPOSE 5432\nHEALTHCHECK CMD ["sh", "-c", "pg_isready -U \'x y\'"]\n');
    expect((await run(quoted)).config.health.liveness).toEqual({ type: 'command', command: `sh -c 'pg_isready -U '\\''x y'\\'''` });
    const plain = await repo('plain', 'FROM a:1\nEXPOSE 5000/udp 7000\n');
    const result = await run(plain);
    expect(result.config.ports).toMatchObject([
      { name: 'main', containerPort: 7000, protocol: 'tcp' },
      { name: 'udp-5000', containerPort: 5000, protocol: 'udp' },
    ]);
    expect(result.config.health.liveness).toEqual({ type: 'tcp', port: 'main' });
    const error = (await run(await repo('bad', 'FROM a:1\n'), { port: '0' }).catch((e: unknown) => e)) as UsageError;
    expect(error.message).toBe('--port: 0 must be a whole number from 1 to 65535');
  });

  it('without EXPOSE or HEALTHCHECK: the create-shovel port with a TCP check, and a note about root', async () => {
    const dir = await repo('cache', 'FROM redis:7\n');
    const result = await run(dir);
    expect(result.config.ports).toMatchObject([{ name: 'main', containerPort: 8080 }]);
    expect(result.config.health.liveness).toEqual({ type: 'tcp', port: 'main' });
    expect(result.notes).toEqual(['the Dockerfile sets no USER: the container runs as root unless its base image sets one']);
  });

  it('no Dockerfile, or a directory name that gives no service name: exit 2', async () => {
    await expect(run(await repo('x', undefined))).rejects.toMatchObject({ code: 'SHOVEL_ERR_INIT_NO_DOCKERFILE', exitCode: 2 });
    await expect(run(await repo('___', 'FROM a:1\n'))).rejects.toMatchObject({ code: 'SHOVEL_ERR_INIT_INPUT', message: 'No value for --name.' });
  });

  it('asks only for inputs not given, proposing the Dockerfile values, validating with the same rules', () => {
    const questions = initQuestions({ name: 'given' }, { port: 9200, healthPath: '/x', publicHost: '' });
    expect(questions.map((q) => q.name)).toEqual(['port', 'publicHost', 'cpus', 'memory', 'instances', 'imageRepository', 'marathonUrl', 'marathonGroup', 'healthPath']);
    const port = questions.find((q) => q.name === 'port')!;
    expect(port.default).toBe('9200');
    expect(port.validate('80')).toBe(true);
    expect(port.validate('0')).toBe('Main port the software listens on in its container must be a whole number from 1 to 65535');
    expect(questions.find((q) => q.name === 'publicHost')!.default).toBeUndefined();
    expect(questions.find((q) => q.name === 'healthPath')!.validate('health')).toBe('Health check path (HTTP, answers 200 when healthy) must be an absolute URL path such as /health/live');
  });
});
