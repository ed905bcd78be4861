/**
 * One table of configs that `shovel` refuses, each checked against both the CLI loader
 * (parseConfig) and the editor JSON Schema (schema/shovel.schema.json). Rules that span keys
 * cannot be written in JSON Schema: those rows say so, and assert that the schema accepts them,
 * so a row that becomes expressible is noticed.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { PATTERNS, RESERVED_SERVICE_NAMES } from '../../src/config/schema.js';
import { shovelJsonSchema } from '../../src/config/write-json-schema.js';
import { UsageError } from '../../src/errors.js';
import * as rules from '../../src/inputs/rules.js';
import { ROOT } from '../support/cli.js';

const VALID = {
  service: { id: 'orders-api', group: '/payments' },
  image: { repository: '127.0.0.1:5000/orders-api', nodeImage: 'node:26-bookworm-slim' },
  resources: { cpus: 0.5, memory: 256, instances: 2 },
  ports: { http: 8080, metrics: 9090 },
  publicHost: 'orders.example.com',
  health: {},
  env: { LOG_LEVEL: 'info' },
  marathon: { url: 'http://127.0.0.1:8080' },
};

type Patch = (c: Record<string, any>) => void;
/** [what, change to VALID, the key the CLI names, whether the JSON Schema can refuse it too]. */
const REFUSED: [string, Patch, string, 'refuses' | 'cannot: a rule across keys'][] = [
  ['service.id with upper case and punctuation', (c) => (c.service.id = 'Bad_Name!'), 'service.id', 'refuses'],
  ['service.id ending in a hyphen', (c) => (c.service.id = 'orders-'), 'service.id', 'refuses'],
  ['service.id starting with a digit', (c) => (c.service.id = '1orders'), 'service.id', 'refuses'],
  ['service.id longer than a DNS label', (c) => (c.service.id = `a${'b'.repeat(63)}`), 'service.id', 'refuses'],
  ['service.id ending in a Marathon reserved word', (c) => (c.service.id = 'app-versions'), 'service.id', 'refuses'],
  ['service.id a Node.js core module name', (c) => (c.service.id = 'http'), 'service.id', 'refuses'],
  ['service.group not absolute', (c) => (c.service.group = 'payments'), 'service.group', 'refuses'],
  ['service.group with upper case', (c) => (c.service.group = '/Pay'), 'service.group', 'refuses'],
  ['image.repository with a tag', (c) => (c.image.repository = '127.0.0.1:5000/orders:1'), 'image.repository', 'refuses'],
  ['image.nodeImage node:latest', (c) => (c.image.nodeImage = 'node:latest'), 'image.nodeImage', 'refuses'],
  ['image.nodeImage without a tag', (c) => (c.image.nodeImage = 'node'), 'image.nodeImage', 'refuses'],
  ['image.nodeImage latest with a digest', (c) => (c.image.nodeImage = `node:latest@sha256:${'a'.repeat(64)}`), 'image.nodeImage', 'refuses'],
  ['resources.cpus 0', (c) => (c.resources.cpus = 0), 'resources.cpus', 'refuses'],
  ['resources.memory not whole', (c) => (c.resources.memory = 64.5), 'resources.memory', 'refuses'],
  ['resources.instances 0', (c) => (c.resources.instances = 0), 'resources.instances', 'refuses'],
  ['ports.http below 1024 (the port contract: a non-root service)', (c) => (c.ports.http = 80), 'ports.http', 'refuses'],
  ['ports[0].containerPort 0', (c) => (c.ports = [{ name: 'http', containerPort: 0 }]), 'ports[0].containerPort', 'refuses'],
  ['ports[0].name with upper case', (c) => (c.ports = [{ name: 'Http', containerPort: 80 }]), 'ports[0].name', 'refuses'],
  ['ports[0].protocol sctp', (c) => (c.ports = [{ name: 'http', containerPort: 80, protocol: 'sctp' }]), 'ports[0].protocol', 'refuses'],
  ['ports[0] with an unknown key', (c) => (c.ports = [{ name: 'http', containerPort: 80, host: 1 }]), 'ports[0].host', 'refuses'],
  ['health.liveness {tcp} naming no port', (c) => (c.health.liveness = { tcp: 'Redis!' }), 'health.liveness.tcp', 'refuses'],
  ['health.readiness {command} empty', (c) => (c.health.readiness = { command: '' }), 'health.readiness.command', 'refuses'],
  ['volumes[0].containerPath relative', (c) => (c.volumes = [{ containerPath: 'data', persistent: { size: 100 } }]), 'volumes[0].containerPath', 'refuses'],
  ['volumes[0].persistent.size 0', (c) => (c.volumes = [{ containerPath: '/data', persistent: { size: 0 } }]), 'volumes[0].persistent.size', 'refuses'],
  ['image.ref latest', (c) => (c.image = { ref: 'redis:latest' }), 'image.ref', 'refuses'],
  ['labels.HAPROXY_0_VHOST (shovel sets it from publicHost)', (c) => (c.labels = { HAPROXY_0_VHOST: 'x.example.com' }), 'labels.HAPROXY_0_VHOST', 'refuses'],
  ['constraints[0] with an unknown operator', (c) => (c.constraints = [['hostname', 'SOMETIMES']]), 'constraints[0][1]', 'refuses'],
  ['docker.restart not a policy', (c) => (c.docker = { restart: 'sometimes' }), 'docker.restart', 'refuses'],
  ['env name starting with a digit', (c) => (c.env['1X'] = 'x'), 'env.1X', 'refuses'],
  ['env value an object', (c) => (c.env.WORKERS = { n: 4 }), 'env.WORKERS', 'refuses'],
  ['secrets.PORT (shovel sets it)', (c) => (c.secrets = { PORT: 'db/port' }), 'secrets.PORT', 'refuses'],
  ['ports.metrics a string', (c) => (c.ports.metrics = '9090'), 'ports.metrics', 'refuses'],
  ['publicHost with upper case', (c) => (c.publicHost = 'Orders.Example.com'), 'publicHost', 'refuses'],
  ['publicHost a single label', (c) => (c.publicHost = 'localhost'), 'publicHost', 'refuses'],
  ['publicHost with a scheme', (c) => (c.publicHost = 'https://orders.example.com'), 'publicHost', 'refuses'],
  ['health.liveness not a path', (c) => (c.health.liveness = 'health'), 'health.liveness', 'refuses'],
  ['env.PORT (shovel sets it from ports.http)', (c) => (c.env.PORT = '1'), 'env.PORT', 'refuses'],
  ['env.HOST (shovel sets the listen address)', (c) => (c.env.HOST = '127.0.0.1'), 'env.HOST', 'refuses'],
  ['marathon.url not http(s)', (c) => (c.marathon.url = 'ftp://127.0.0.1'), 'marathon.url', 'refuses'],
  ['marathon.url with credentials', (c) => (c.marathon.url = 'http://u:p@127.0.0.1:8080'), 'marathon.url', 'refuses'],
  ['marathon.url with a query', (c) => (c.marathon.url = 'http://127.0.0.1:8080/?a=1'), 'marathon.url', 'refuses'],
  ['version a YAML number', (c) => (c.version = 1.2), 'version', 'refuses'],
  ['version with a space', (c) => (c.version = '1 2'), 'version', 'refuses'],
  ['an unknown key', (c) => (c.colour = 'red'), 'colour', 'refuses'],
  ['release.onFirstFailure not a choice', (c) => (c.release = { onFirstFailure: 'keep' }), 'release.onFirstFailure', 'refuses'],
  ['ports.metrics equal to ports.http', (c) => (c.ports.metrics = c.ports.http), 'ports.metrics', 'cannot: a rule across keys'],
  ['two ports with one name', (c) => (c.ports = [{ name: 'a', containerPort: 80 }, { name: 'a', containerPort: 81 }]), 'ports[1].name', 'cannot: a rule across keys'],
  ['two public ports', (c) => (c.ports = [{ name: 'a', containerPort: 80, public: true }, { name: 'b', containerPort: 81, public: true }]), 'ports', 'cannot: a rule across keys'],
  ['metrics on the public port', (c) => ((c.ports = [{ name: 'web', containerPort: 80, public: true }]), (c.metrics = { port: 'web' })), 'metrics.port', 'cannot: a rule across keys'],
  ['health.liveness on an undeclared port', (c) => ((c.ports = [{ name: 'web', containerPort: 80 }]), (c.health.liveness = { tcp: 'db' })), 'health.liveness.tcp', 'cannot: a rule across keys'],
  ['a persistent volume with maximumOverCapacity 1', (c) => ((c.volumes = [{ containerPath: '/data', persistent: { size: 10 } }]), (c.upgradeStrategy = { maximumOverCapacity: 1 })), 'upgradeStrategy.maximumOverCapacity', 'cannot: a rule across keys'],
  ['command and args together', (c) => ((c.command = 'run'), (c.args = ['x'])), 'args', 'refuses'],
  ['image without repository or ref', (c) => (c.image = { nodeImage: 'node:26-bookworm-slim' }), 'image.repository', 'refuses'],
  ['health.timeoutSeconds not below intervalSeconds', (c) => (c.health = { intervalSeconds: 5, timeoutSeconds: 5 }), 'health.timeoutSeconds', 'cannot: a rule across keys'],
  ['killGracePeriodSeconds within the shutdown time', (c) => (c.killGracePeriodSeconds = 10), 'killGracePeriodSeconds', 'cannot: a rule across keys'],
];

const variant = (patch: Patch) => {
  const config = structuredClone(VALID) as Record<string, any>;
  patch(config);
  return config;
};

function cliProblems(config: unknown): string[] {
  try {
    parseConfig(stringify(config));
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).details;
  }
  return [];
}

describe('the CLI and the JSON Schema refuse the same configs', async () => {
  const file = JSON.parse(await readFile(path.join(ROOT, 'schema/shovel.schema.json'), 'utf8')) as Record<string, unknown>;
  // The file says which draft it is; Ajv2020 is the class of that draft.
  expect(file.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  const validate = new Ajv2020({ strict: true, strictTypes: false, allowUnionTypes: true }).compile(shovelJsonSchema());

  it('the written schema file is the one the zod schema gives (npm run build writes it)', () => {
    expect(file).toEqual(shovelJsonSchema());
  });

  it('both accept the valid config', () => {
    expect(cliProblems(VALID)).toEqual([]);
    expect(validate(VALID), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(REFUSED)('%s', (_, patch, key, schema) => {
    const config = variant(patch);
    const problems = cliProblems(config);
    expect(problems.length, 'the CLI refuses it').toBe(1);
    expect(problems[0]).toMatch(new RegExp(`^shovel\\.yml:\\d+: ${key.replace(/[.$[\]]/g, '\\$&')} must `));
    const accepted = validate(config);
    expect(accepted, schema === 'refuses' ? 'the JSON Schema refuses it' : 'JSON Schema cannot say this rule; if it now can, make this row "refuses"').toBe(schema !== 'refuses');
  });
});

describe('each rule pattern of the JSON Schema accepts nothing its rule refuses', () => {
  const from = (...units: string[]) => fc.array(fc.constantFrom(...units), { maxLength: 12 }).map((parts) => parts.join(''));
  const cases: [string, RegExp, rules.Rule<string>, fc.Arbitrary<string>, string[]][] = [
    ['serviceName', PATTERNS.serviceName, rules.serviceName, from('a', 'z', '0', '9', '-', 'A', '_', '.', 'tasks', 'http', 'b'.repeat(30)), ['orders-api', 'a', 'svc-1']],
    ['marathonGroup', PATTERNS.marathonGroup, rules.marathonGroup, from('/', 'a', '0', '-', '.', 'A', '//'), ['/', '/payments', '/pay.v2/eu']],
    ['hostName', PATTERNS.hostName, rules.hostName, from('a', '0', '-', '.', 'A', 'b'.repeat(62), ':'), ['', 'orders.example.com', 'a.b']],
    ['imageRepository', PATTERNS.imageRepository, rules.imageRepository, from('a', '0', '-', '.', '_', '__', '/', ':5000', ':', 'A'), ['127.0.0.1:5000/orders', 'orders', 'a/b_c']],
    [
      'baseImage',
      PATTERNS.baseImage,
      rules.baseImage,
      from('node', ':', '26', 'latest', '@', `sha256:${'a'.repeat(64)}`, '/', '.', '-', 'A', '_', '127.0.0.1:5000'),
      ['node:26-bookworm-slim', '127.0.0.1:5000/node:26', `node@sha256:${'a'.repeat(64)}`, `node:26@sha256:${'a'.repeat(64)}`],
    ],
    ['httpUrl', PATTERNS.httpUrl, rules.httpUrl, from('http', 's', '://', 'u', '@', ':', '8080', '99999', '65536', '/', '?', '#', '.', '-', 'x', 'X', '%', '[', ']'), ['', 'http://127.0.0.1:8080', 'https://marathon.example.com/base']],
  ];

  it.each(cases)('%s', (name, pattern, rule, strings, valid) => {
    for (const v of valid) expect(pattern.test(v), v).toBe(true);
    fc.assert(
      fc.property(strings, (s) => {
        if (!pattern.test(s)) return;
        const reserved = name === 'serviceName' && RESERVED_SERVICE_NAMES.includes(s);
        expect(rule(s), `${name}: the pattern accepts ${JSON.stringify(s)}`).toBe(reserved ? rules.serviceName(s) : undefined);
      }),
      { numRuns: Number(process.env.SHOVEL_PROPERTY_RUNS) || 3000 },
    );
  });

  it('the reserved service names are in the schema, and the rule refuses each', () => {
    const id = ((shovelJsonSchema().properties as any).service.properties.id) as { not: { enum: string[] } };
    expect(id.not.enum).toEqual(RESERVED_SERVICE_NAMES);
    expect(RESERVED_SERVICE_NAMES).toContain('http');
    for (const name of RESERVED_SERVICE_NAMES) expect(rules.serviceName(name)).toBeDefined();
  });
});
