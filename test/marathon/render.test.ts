/**
 * Rendered app definitions, pinned, and each one checked against Marathon's own published
 * JSON Schema of its dialect (read from ../shared/reference/marathon-schema; skipped with a
 * message when absent, an error under CI=true).
 */
import { describe, expect, it } from 'vitest';
import { shovelConfigSchema, type ShovelConfig, type ShovelConfigInput } from '../../src/config/schema.js';
import { dialectFor, renderAppDefinition } from '../../src/marathon/render.js';
import type { MarathonDialect } from '../../src/marathon/types.js';
import { appDefinitionProblems, validateAppDefinition } from '../../src/marathon/validate.js';
import { bridgedTaskEnv, PORT_ENV } from '../../src/release/port-contract.js';
import { loadMarathonSchemas, schemasMissingReason, type SchemaName } from '../support/marathon-standin/schemas.js';

const BASE: ShovelConfigInput = {
  service: { id: 'orders-api', group: '/payments', team: 'payments' },
  image: { repository: '127.0.0.1:5000/payments/orders-api' },
  resources: { cpus: 0.25, memory: 256, instances: 2 },
  ports: { http: 8080, metrics: 9090 },
  health: {},
};

function config(overrides: Partial<ShovelConfigInput> = {}): ShovelConfig {
  return shovelConfigSchema.parse({ ...BASE, ...overrides });
}

const IMAGE = '127.0.0.1:5000/payments/orders-api:1.2.0-abc1234';
const SCHEMA_OF: Record<MarathonDialect, SchemaName> = { '1.x': '1.7', '0.15': '0.15.7', '0.11': '0.11.1' };

const schemas = loadMarathonSchemas();
const withSchemas = schemas ? it : it.skip;
if (!schemas) console.warn(`Skipping schema checks: ${schemasMissingReason()} (CI=true makes this an error).`);

function schemaErrors(name: SchemaName, definition: unknown): string[] {
  return schemas!.validate(name, definition).errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
}

const CASES: Array<[string, ShovelConfig]> = [
  ['internal service', config()],
  ['public service with registry credentials', config({ publicHost: 'orders.example.com', marathon: { url: 'https://marathon.example.com', registryCredentialsUri: 'file:///etc/docker.tar.gz' } })],
  ['root group, no team, one instance, env', config({ service: { id: 'hello' }, resources: { cpus: 0.1, memory: 64, instances: 1 }, env: { LOG_LEVEL: 'info' } })],
];

describe('dialectFor', () => {
  it.each([
    ['1.7.236', '1.x'],
    ['1.5.0', '1.x'],
    ['1.11.0', '1.x'],
    ['v1.10.19', '1.x'],
    ['1.4.12', '0.15'],
    ['1.0.0', '0.15'],
    ['0.15.7', '0.15'],
    ['0.14.1', '0.15'],
    ['0.13.0', '0.11'],
    ['0.11.1', '0.11'],
  ] as const)('%s -> %s', (version, dialect) => expect(dialectFor(version)).toBe(dialect));

  it('refuses a non-version', () => expect(() => dialectFor('banana')).toThrow(/not a version number/));
});

describe('renderAppDefinition', () => {
  for (const dialect of ['1.x', '0.15', '0.11'] as const) {
    for (const [name, cfg] of CASES) {
      withSchemas(`${dialect} ${name} validates against Marathon's ${SCHEMA_OF[dialect]} schema`, () => {
        const definition = renderAppDefinition(cfg, { image: IMAGE, dialect, labels: { GIT_SHA: 'abc1234' } });
        if (dialect === '0.11' && String(definition.id).lastIndexOf('/') > 0) {
          // 0.11.1's published id pattern has no "/" at all (groups existed; the server
          // validated ids itself): a nested id is its ONLY complaint. Pinned, then the rest
          // is checked with the last segment as id.
          expect(schemaErrors('0.11.1', definition)).toEqual([expect.stringMatching(/^\/id must match pattern/)]);
          expect(schemaErrors('0.11.1', { ...definition, id: String(definition.id).split('/').pop() })).toEqual([]);
          return;
        }
        expect(schemaErrors(SCHEMA_OF[dialect], definition)).toEqual([]);
        expect(appDefinitionProblems(definition, dialect)).toEqual([]);
      });
    }
  }

  withSchemas('a 1.x definition FAILS the 0.15.7 schema (networks, portMappings, readiness, MESOS_HTTP are 1.x)', () => {
    const definition = renderAppDefinition(CASES[1]![1], { image: IMAGE, dialect: '1.x' });
    const errors = schemaErrors('0.15.7', definition);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain('must NOT have additional properties');
  });

  withSchemas('a 1.x definition validates inside a 1.7 group (Group.json refs ./AppDefinition.json)', () => {
    const definition = renderAppDefinition(CASES[0]![1], { image: IMAGE, dialect: '1.x' });
    expect(schemas!.validate('group-1.7', { id: '/payments', apps: [definition] }).valid).toBe(true);
    expect(schemas!.validate('group-1.7', { id: '/payments', apps: [{ ...definition, bogus: 1 }] }).valid).toBe(false);
  });

  it('1.x, public service: pinned', () => {
    expect(renderAppDefinition(CASES[1]![1], { image: IMAGE, dialect: '1.x', labels: { GIT_SHA: 'abc1234' } })).toMatchInlineSnapshot(`
      {
        "container": {
          "docker": {
            "forcePullImage": false,
            "image": "127.0.0.1:5000/payments/orders-api:1.2.0-abc1234",
            "parameters": [
              {
                "key": "init",
                "value": "true",
              },
            ],
          },
          "portMappings": [
            {
              "containerPort": 8080,
              "hostPort": 0,
              "name": "http",
              "protocol": "tcp",
            },
            {
              "containerPort": 9090,
              "hostPort": 0,
              "name": "metrics",
              "protocol": "tcp",
            },
          ],
          "type": "DOCKER",
        },
        "cpus": 0.25,
        "env": {
          "HOST": "0.0.0.0",
          "METRICS_PORT": "9090",
          "PORT": "8080",
          "SHUTDOWN_DELAY_MS": "5000",
          "SHUTDOWN_TIMEOUT_MS": "10000",
        },
        "fetch": [
          {
            "uri": "file:///etc/docker.tar.gz",
          },
        ],
        "healthChecks": [
          {
            "delaySeconds": 0,
            "gracePeriodSeconds": 30,
            "intervalSeconds": 10,
            "maxConsecutiveFailures": 3,
            "path": "/health/live",
            "portIndex": 0,
            "protocol": "MESOS_HTTP",
            "timeoutSeconds": 5,
          },
        ],
        "id": "/payments/orders-api",
        "instances": 2,
        "labels": {
          "GIT_SHA": "abc1234",
          "HAPROXY_0_VHOST": "orders.example.com",
          "HAPROXY_GROUP": "external",
          "SHOVEL_SERVICE": "orders-api",
          "SHOVEL_TEAM": "payments",
        },
        "mem": 256,
        "networks": [
          {
            "mode": "container/bridge",
          },
        ],
        "readinessChecks": [
          {
            "httpStatusCodesForReady": [
              200,
            ],
            "intervalSeconds": 10,
            "name": "readiness",
            "path": "/health/ready",
            "portName": "http",
            "protocol": "HTTP",
            "timeoutSeconds": 5,
          },
        ],
        "taskKillGracePeriodSeconds": 20,
        "upgradeStrategy": {
          "maximumOverCapacity": 1,
          "minimumHealthCapacity": 1,
        },
      }
    `);
  });

  it('0.15, public service: pinned', () => {
    expect(renderAppDefinition(CASES[1]![1], { image: IMAGE, dialect: '0.15' })).toMatchInlineSnapshot(`
      {
        "container": {
          "docker": {
            "forcePullImage": false,
            "image": "127.0.0.1:5000/payments/orders-api:1.2.0-abc1234",
            "network": "BRIDGE",
            "parameters": [
              {
                "key": "init",
                "value": "true",
              },
            ],
            "portMappings": [
              {
                "containerPort": 8080,
                "hostPort": 0,
                "protocol": "tcp",
              },
              {
                "containerPort": 9090,
                "hostPort": 0,
                "protocol": "tcp",
              },
            ],
          },
          "type": "DOCKER",
        },
        "cpus": 0.25,
        "env": {
          "HOST": "0.0.0.0",
          "METRICS_PORT": "9090",
          "PORT": "8080",
          "SHUTDOWN_DELAY_MS": "5000",
          "SHUTDOWN_TIMEOUT_MS": "10000",
        },
        "fetch": [
          {
            "uri": "file:///etc/docker.tar.gz",
          },
        ],
        "healthChecks": [
          {
            "gracePeriodSeconds": 30,
            "intervalSeconds": 10,
            "maxConsecutiveFailures": 3,
            "path": "/health/live",
            "portIndex": 0,
            "protocol": "HTTP",
            "timeoutSeconds": 5,
          },
        ],
        "id": "/payments/orders-api",
        "instances": 2,
        "labels": {
          "HAPROXY_0_VHOST": "orders.example.com",
          "HAPROXY_GROUP": "external",
          "SHOVEL_SERVICE": "orders-api",
          "SHOVEL_TEAM": "payments",
        },
        "mem": 256,
        "upgradeStrategy": {
          "maximumOverCapacity": 1,
          "minimumHealthCapacity": 1,
        },
      }
    `);
  });

  it('0.11, public service: the pinned 0.15 definition with uris instead of fetch', () => {
    const { fetch, ...rest } = renderAppDefinition(CASES[1]![1], { image: IMAGE, dialect: '0.15' });
    expect(fetch).toEqual([{ uri: 'file:///etc/docker.tar.gz' }]);
    const definition = renderAppDefinition(CASES[1]![1], { image: IMAGE, dialect: '0.11' });
    expect(definition).toEqual({ ...rest, uris: ['file:///etc/docker.tar.gz'] });
    expect(definition).not.toHaveProperty('fetch');
  });

  it.each(['1.x', '0.15', '0.11'] as const)('%s: VHOST only for the http port (index 0), and only with publicHost', (dialect) => {
    const pub = renderAppDefinition(CASES[1]![1], { image: IMAGE, dialect });
    const labels = pub.labels as Record<string, string>;
    expect(Object.keys(labels).filter((k) => k.includes('VHOST'))).toEqual(['HAPROXY_0_VHOST']);
    expect(labels.HAPROXY_GROUP).toBe('external');
    const ports = ((pub.container as any).portMappings ?? (pub.container as any).docker.portMappings) as Array<{ containerPort: number }>;
    expect(ports[0]!.containerPort).toBe(8080);
    const internal = renderAppDefinition(CASES[0]![1], { image: IMAGE, dialect });
    expect(Object.keys(internal.labels as object).filter((k) => k.startsWith('HAPROXY_'))).toEqual([]);
  });

  it('health checks point at liveness, readiness checks at readiness', () => {
    const d = renderAppDefinition(config({ health: { liveness: '/live', readiness: '/ready' } }), { image: IMAGE, dialect: '1.x' });
    expect((d.healthChecks as any)[0]).toMatchObject({ protocol: 'MESOS_HTTP', path: '/live', portIndex: 0 });
    expect((d.readinessChecks as any)[0]).toMatchObject({ path: '/ready', portName: 'http', httpStatusCodesForReady: [200] });
  });

  it('maxConsecutiveFailures 0 keeps "never kill" by using a Marathon HTTP check (MESOS_HTTP would kill at once)', () => {
    const d = renderAppDefinition(config({ health: { maxConsecutiveFailures: 0 } }), { image: IMAGE, dialect: '1.x' });
    expect((d.healthChecks as any)[0]).toMatchObject({ protocol: 'HTTP', maxConsecutiveFailures: 0 });
    expect(d.healthChecks as any[]).not.toContainEqual(expect.objectContaining({ delaySeconds: expect.anything() }));
  });

  it.each(['1.x', '0.15', '0.11'] as const)('%s: the service listens on its container ports, on every address (the port contract)', (dialect) => {
    const d = renderAppDefinition(CASES[0]![1], { image: IMAGE, dialect });
    expect(d.env).toEqual({ ...bridgedTaskEnv({ http: 8080, metrics: 9090 }), SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_TIMEOUT_MS: '10000' });
    // The values the contract gives are the container ports of the mappings, not host ports.
    const mappings = ((d.container as any).portMappings ?? (d.container as any).docker.portMappings) as Array<{ containerPort: number }>;
    expect(d.env).toMatchObject({ [PORT_ENV.http]: String(mappings[0]!.containerPort), [PORT_ENV.metrics]: String(mappings[1]!.containerPort), HOST: '0.0.0.0' });
  });

  it('refuses env that clashes with derived variables, HAPROXY_/SHOVEL_ labels, and untagged images', () => {
    expect(() => renderAppDefinition(config({ env: { PORT: '1' } }), { image: IMAGE, dialect: '1.x' })).toThrow(/PORT/);
    expect(() => renderAppDefinition(config({ env: { HOST: '127.0.0.1' } }), { image: IMAGE, dialect: '1.x' })).toThrow(/HOST/);
    expect(() => renderAppDefinition(CASES[0]![1], { image: IMAGE, dialect: '1.x', labels: { HAPROXY_1_VHOST: 'x.example.com' } })).toThrow(/HAPROXY_1_VHOST/);
    expect(() => renderAppDefinition(CASES[0]![1], { image: '127.0.0.1:5000/payments/orders-api', dialect: '1.x' })).toThrow(/tag or digest/);
    expect(renderAppDefinition(CASES[0]![1], { image: `127.0.0.1:5000/x@sha256:${'a'.repeat(64)}`, dialect: '1.x' }).container).toBeDefined();
  });
});

describe('validateAppDefinition (what the server would refuse beyond the schema)', () => {
  const good = () => renderAppDefinition(CASES[1]![1], { image: IMAGE, dialect: '1.x' });

  it.each<[string, (d: Record<string, any>) => void, string]>([
    ['version beside other fields', (d) => (d.version = '2024-01-01T00:00:00.000Z'), '/version: may only be combined with "id"'],
    ['VHOST on the metrics port', (d) => (d.labels.HAPROXY_1_VHOST = 'm.example.com'), '/labels/HAPROXY_1_VHOST'],
    ['readiness on an unknown port name', (d) => (d.readinessChecks[0].portName = 'admin'), '/readinessChecks/0/portName'],
    ['readiness timeout >= interval', (d) => (d.readinessChecks[0].timeoutSeconds = d.readinessChecks[0].intervalSeconds), '/readinessChecks/0/timeoutSeconds'],
    ['mixed MESOS_HTTP and HTTP checks', (d) => d.healthChecks.push({ protocol: 'HTTP', portIndex: 0, path: '/' }), '/healthChecks: cannot mix'],
    ['health check on a missing port', (d) => (d.healthChecks[0].portIndex = 2), '/healthChecks/0/portIndex'],
    ['id with uppercase', (d) => (d.id = '/Payments/x'), '/id'],
    ['id ending in "tasks"', (d) => (d.id = '/payments/tasks'), 'Marathon 1.8+ reserves it in app ids'],
    ['minimumHealthCapacity above 1', (d) => (d.upgradeStrategy.minimumHealthCapacity = 1.5), '/upgradeStrategy/minimumHealthCapacity'],
    ['docker.network beside networks', (d) => (d.container.docker.network = 'BRIDGE'), '/container/docker/network'],
  ])('%s', (_name, mutate, expected) => {
    const d = good();
    mutate(d);
    expect(appDefinitionProblems(d, '1.x').join('\n')).toContain(expected);
    expect(() => validateAppDefinition(d, '1.x')).toThrow(/would be refused/);
  });

  it('a rollback body {id, version} is fine', () => {
    expect(appDefinitionProblems({ id: '/a', version: '2024-01-01T00:00:00.000Z' }, '1.x')).toEqual([]);
  });

  it('1.x-only fields are refused for 0.x', () => {
    expect(appDefinitionProblems(good(), '0.15').join('\n')).toMatch(/\/networks: is not known to Marathon 0.15/);
  });
});
