/**
 * The port contract has one home (src/release/port-contract.ts): the Marathon renderer and the
 * docker target draw from it, and the generated service's config reads exactly its names for
 * its ports, nothing else (Marathon's PORT0, PORT_<NAME>, PORTS hold host ports).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shovelConfigSchema } from '../../src/config/schema.js';
import { runArgs } from '../../src/docker/containers.js';
import { planDocker } from '../../src/release/docker-plan.js';
import { RESERVED_ENV } from '../../src/marathon/render.js';
import { bridgedTaskEnv, PORT_ENV, PORT_ENV_NAMES, portEnv } from '../../src/release/port-contract.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('port contract', () => {
  it('gives the env from the ports', () => {
    expect(portEnv({ http: 8080, metrics: 9090 })).toEqual({ PORT: '8080', METRICS_PORT: '9090' });
    expect(bridgedTaskEnv({ http: 8080, metrics: 9090 })).toEqual({ PORT: '8080', METRICS_PORT: '9090', HOST: '0.0.0.0' });
  });

  it('the generated service reads exactly the contract names for its ports', () => {
    const source = read('templates/service/src/config.ts');
    const schema = source.slice(source.indexOf('const envSchema = {'), source.indexOf('\n};', source.indexOf('const envSchema = {')));
    const portVariables = [...schema.matchAll(/^\s+([A-Z0-9_]+): port\./gm)].map((m) => m[1]);
    expect(portVariables).toEqual([...PORT_ENV_NAMES]);
    expect(source).toMatch(new RegExp(`port: e\\.${PORT_ENV.http} \\?\\? DEFAULT_PORT`));
    expect(source).toMatch(new RegExp(`metricsPort: e\\.${PORT_ENV.metrics} \\?\\? DEFAULT_METRICS_PORT`));
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    expect(code).not.toMatch(/PORT0|PORT1|PORT_HTTP|PORT_METRICS|PORTS\b/);
  });

  it('the Marathon renderer reserves the contract names; the docker target sets them', () => {
    expect(RESERVED_ENV).toEqual(expect.arrayContaining([...PORT_ENV_NAMES, 'HOST']));
    // Host networking: the service binds the ports it is reached on.
    const config = shovelConfigSchema.parse({ service: { id: 's' }, image: { repository: 'r' }, resources: { cpus: 1, memory: 64, instances: 1 }, ports: { http: 40001, metrics: 40002 } });
    const args = runArgs(planDocker(config, { image: 'i:1', tag: '1', env: { SHOVEL_DOCKER_NETWORK: 'host' } }).instances[0]!.spec);
    expect(args).toContain(`${PORT_ENV.http}=40001`);
    expect(args).toContain(`${PORT_ENV.metrics}=40002`);
  });
});
