/**
 * The app definitions of software this project did not write (shovel.yml's list of named ports,
 * tcp/command checks, volumes, command/args, constraints, labels, secrets): each form checked
 * against Marathon's published JSON Schema of its dialect, against the server-side rules
 * Shovel checks before sending, and against the Marathon stand-in's model of Marathon's own
 * validation (test/support/marathon-standin/validate.ts). What a dialect cannot express safely
 * is refused with its own code.
 */
import { describe, expect, it } from 'vitest';
import { shovelConfigSchema, type ShovelConfig, type ShovelConfigInput } from '../../src/config/schema.js';
import { renderAppDefinition } from '../../src/marathon/render.js';
import { renderNotes } from '../../src/marathon/render-notes.js';
import type { MarathonDialect } from '../../src/marathon/types.js';
import { appDefinitionProblems } from '../../src/marathon/validate.js';
import { loadMarathonSchemas, schemasMissingReason, type SchemaName } from '../support/marathon-standin/schemas.js';
import { validateApp } from '../support/marathon-standin/validate.js';

type Json = Record<string, any>;

const schemas = loadMarathonSchemas();
const withSchemas = schemas ? it : it.skip;
if (!schemas) console.warn(`Skipping schema checks: ${schemasMissingReason()} (CI=true makes this an error).`);

const SCHEMA_OF: Record<MarathonDialect, SchemaName> = { '1.x': '1.7', '0.15': '0.15.7', '0.11': '0.11.1' };
const STANDIN_VERSION: Record<MarathonDialect, string> = { '1.x': '1.7.236', '0.15': '0.15.7', '0.11': '0.11.1' };

function config(input: Partial<ShovelConfigInput>): ShovelConfig {
  return shovelConfigSchema.parse({
    service: { id: 'store' },
    image: { ref: 'redis:7.0.15' },
    resources: { cpus: 0.5, memory: 512, instances: 1 },
    ...input,
  });
}

const render = (cfg: ShovelConfig, dialect: MarathonDialect = '1.x') => renderAppDefinition(cfg, { image: cfg.image.ref ?? '127.0.0.1:5000/x:1.0.0-abc', dialect }) as Json;

const REDIS_INPUT: Json = {
  ports: [{ name: 'redis', containerPort: 6379 }],
  health: { liveness: { tcp: 'redis' }, readiness: { command: 'redis-cli ping' }, gracePeriodSeconds: 30, intervalSeconds: 10, timeoutSeconds: 5 },
  volumes: [{ containerPath: '/var/lib/redis', persistent: { size: 1024 } }],
  command: 'redis-server --appendonly yes --dir /var/lib/redis',
  constraints: [['hostname', 'UNIQUE']],
  labels: { tier: 'data' },
  secrets: { REDIS_PASSWORD: 'store/redis-password' },
  killGracePeriodSeconds: 60,
};
const REDIS = config(REDIS_INPUT);

const NGINX_INPUT: Json = {
  service: { id: 'web' },
  image: { ref: 'nginx:1.25.4' },
  ports: [
    { name: 'status', containerPort: 8081, env: 'STATUS_PORT' },
    { name: 'http', containerPort: 80, public: true },
    { name: 'syslog', containerPort: 5514, protocol: 'udp', env: 'SYSLOG_PORT' },
  ],
  metrics: { port: 'status', path: '/stub_status' },
  publicHost: 'www.example.com',
  health: { liveness: { http: '/', port: 'http' }, readiness: { http: '/ready', port: 'http' }, gracePeriodSeconds: 10, intervalSeconds: 5, timeoutSeconds: 2 },
  volumes: [{ containerPath: '/usr/share/nginx/html', hostPath: '/srv/www', mode: 'RO' }],
  args: ['-g', 'daemon off;'],
  constraints: [['rack', 'IS', 'r1.a'], ['hostname', 'MAX_PER', '2']],
};
const NGINX = config(NGINX_INPUT);

/** Every oracle at once: the published schema, Shovel's own checks, the stand-in's server rules. */
function expectSendable(definition: Json, dialect: MarathonDialect): void {
  if (schemas) {
    // 0.11.1's id pattern has no "/" (see render.test.ts): these ids are at the root.
    expect(schemas.validate(SCHEMA_OF[dialect], definition).errors.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  }
  expect(appDefinitionProblems(definition, dialect)).toEqual([]);
  expect(validateApp(definition, STANDIN_VERSION[dialect], { features: ['secrets'] })).toEqual([]);
}

describe('a stateful TCP service (redis with a persistent volume)', () => {
  withSchemas('1.x: pinned, and valid for Marathon 1.7 (schema, server rules)', () => {
    const d = render(REDIS);
    expectSendable(d, '1.x');
    expect(d).toMatchInlineSnapshot(`
      {
        "cmd": "redis-server --appendonly yes --dir /var/lib/redis",
        "constraints": [
          [
            "hostname",
            "UNIQUE",
          ],
        ],
        "container": {
          "docker": {
            "forcePullImage": false,
            "image": "redis:7.0.15",
            "parameters": [
              {
                "key": "init",
                "value": "true",
              },
            ],
          },
          "portMappings": [
            {
              "containerPort": 6379,
              "hostPort": 0,
              "name": "redis",
              "protocol": "tcp",
            },
          ],
          "type": "DOCKER",
          "volumes": [
            {
              "containerPath": "redis",
              "mode": "RW",
              "persistent": {
                "size": 1024,
              },
            },
            {
              "containerPath": "/var/lib/redis",
              "hostPath": "redis",
              "mode": "RW",
            },
          ],
        },
        "cpus": 0.5,
        "env": {
          "HOST": "0.0.0.0",
          "REDIS_PASSWORD": {
            "secret": "REDIS_PASSWORD",
          },
          "SHUTDOWN_DELAY_MS": "5000",
          "SHUTDOWN_TIMEOUT_MS": "10000",
        },
        "healthChecks": [
          {
            "delaySeconds": 0,
            "gracePeriodSeconds": 30,
            "intervalSeconds": 10,
            "maxConsecutiveFailures": 3,
            "portIndex": 0,
            "protocol": "MESOS_TCP",
            "timeoutSeconds": 5,
          },
        ],
        "id": "/store",
        "instances": 1,
        "labels": {
          "SHOVEL_SERVICE": "store",
          "tier": "data",
        },
        "mem": 512,
        "networks": [
          {
            "mode": "container/bridge",
          },
        ],
        "readinessChecks": [],
        "residency": {
          "relaunchEscalationTimeoutSeconds": 3600,
          "taskLostBehavior": "WAIT_FOREVER",
        },
        "secrets": {
          "REDIS_PASSWORD": {
            "source": "store/redis-password",
          },
        },
        "taskKillGracePeriodSeconds": 60,
        "unreachableStrategy": "disabled",
        "upgradeStrategy": {
          "maximumOverCapacity": 0,
          "minimumHealthCapacity": 0.5,
        },
      }
    `);
  });

  it('the persistent volume follows persistent-volumes.md: a relative containerPath, bound to the absolute path by a relative hostPath', () => {
    const [persistent, bind] = render(REDIS).container.volumes as Json[];
    expect(persistent!.containerPath).not.toContain('/');
    expect(bind).toEqual({ containerPath: '/var/lib/redis', hostPath: persistent!.containerPath, mode: 'RW' });
  });

  it('tcp/command readiness has no Marathon form: no readinessChecks, and the notes say the liveness check gates the rollout', () => {
    expect(render(REDIS).readinessChecks).toEqual([]);
    const notes = renderNotes(REDIS, '1.x');
    expect(notes.join('\n')).toMatch(/readiness \(command redis-cli ping\): Marathon's readiness checks are HTTP only; the rollout waits for the liveness check \(tcp redis\) instead/);
    expect(notes.join('\n')).toMatch(/stops an old task before its replacement starts on the same volume/);
    expect(notes.join('\n')).toMatch(/--enable_features secrets/);
  });

  it.each(['0.15', '0.11'] as const)('%s: persistent volumes and secrets are refused (no dialect form keeps the data safe)', (dialect) => {
    expect(() => render(REDIS, dialect)).toThrow(expect.objectContaining({ code: 'SHOVEL_ERR_MARATHON_DIALECT', exitCode: 2 }));
    const noVolume = config({ ...REDIS_INPUT, volumes: [] });
    expect(() => render(noVolume, dialect)).toThrow(expect.objectContaining({ code: 'SHOVEL_ERR_MARATHON_DIALECT', message: expect.stringMatching(/secrets/) }));
  });

  it('an upgrade strategy that could start a second copy on the volume is refused', () => {
    const eager = config({ ...REDIS_INPUT, upgradeStrategy: { minimumHealthCapacity: 1 } });
    expect(() => render(eager)).toThrow(expect.objectContaining({ code: 'SHOVEL_ERR_MARATHON_STATEFUL' }));
    const d = render(REDIS);
    for (const [path, mutate] of [
      ['/upgradeStrategy/maximumOverCapacity', (x: Json) => (x.upgradeStrategy.maximumOverCapacity = 1)],
      ['/unreachableStrategy', (x: Json) => delete x.unreachableStrategy],
      ['/container/volumes/0/containerPath', (x: Json) => (x.container.volumes[0].containerPath = '/var/lib/redis')],
    ] as const) {
      const copy = structuredClone(d);
      mutate(copy);
      expect(appDefinitionProblems(copy, '1.x').join('\n')).toContain(path);
    }
  });

  it('never-kill (maxConsecutiveFailures 0) keeps its meaning: a Marathon TCP check; a command liveness check cannot keep it and is refused', () => {
    const tcp = config({ ...REDIS_INPUT, health: { ...REDIS_INPUT.health, maxConsecutiveFailures: 0 } });
    expect(render(tcp).healthChecks).toEqual([expect.objectContaining({ protocol: 'TCP', portIndex: 0, maxConsecutiveFailures: 0 })]);
    const command = config({ ...REDIS_INPUT, health: { liveness: { command: 'redis-cli ping' }, maxConsecutiveFailures: 0 } });
    expect(() => render(command)).toThrow(expect.objectContaining({ code: 'SHOVEL_ERR_MARATHON_HEALTH' }));
    const commandOk = config({ ...REDIS_INPUT, health: { liveness: { command: 'redis-cli ping' } } });
    expect(render(commandOk).healthChecks).toEqual([expect.objectContaining({ protocol: 'COMMAND', command: { value: 'redis-cli ping' } })]);
  });
});

describe('an HTTP server on port 80 (nginx) with a private status port and a udp port', () => {
  for (const dialect of ['1.x', '0.15', '0.11'] as const) {
    withSchemas(`${dialect}: valid for the dialect's Marathon (schema, server rules)`, () => {
      const cfg = dialect === '1.x' ? NGINX : config({ ...NGINX_INPUT, constraints: [['rack', 'IS', 'r1.a']] });
      expectSendable(render(cfg, dialect), dialect);
    });
  }

  it('every port is a port mapping with its protocol; each port with env gets its CONTAINER port', () => {
    const d = render(NGINX);
    expect(d.container.portMappings).toEqual([
      { containerPort: 8081, hostPort: 0, name: 'status', protocol: 'tcp' },
      { containerPort: 80, hostPort: 0, name: 'http', protocol: 'tcp' },
      { containerPort: 5514, hostPort: 0, name: 'syslog', protocol: 'udp' },
    ]);
    expect(d.env).toMatchObject({ STATUS_PORT: '8081', SYSLOG_PORT: '5514', HOST: '0.0.0.0' });
    expect(d.env).not.toHaveProperty('PORT');
  });

  it.each(['1.x', '0.15', '0.11'] as const)('%s: the public port gets the VHOST at its own index; the metrics port none', (dialect) => {
    const labels = render(dialect === '1.x' ? NGINX : config({ ...NGINX_INPUT, constraints: [] }), dialect).labels as Json;
    expect(Object.keys(labels).filter((k) => k.startsWith('HAPROXY_')).sort()).toEqual(['HAPROXY_1_VHOST', 'HAPROXY_GROUP']);
    expect(labels).toMatchObject({ HAPROXY_1_VHOST: 'www.example.com', HAPROXY_GROUP: 'external' });
  });

  it('checks name their ports: liveness MESOS_HTTP on the http mapping, readiness by portName', () => {
    const d = render(NGINX);
    expect(d.healthChecks).toEqual([expect.objectContaining({ protocol: 'MESOS_HTTP', path: '/', portIndex: 1 })]);
    expect(d.readinessChecks).toEqual([expect.objectContaining({ protocol: 'HTTP', path: '/ready', portName: 'http' })]);
    expect(render(config({ ...NGINX_INPUT, constraints: [] }), '0.15').healthChecks).toEqual([expect.objectContaining({ protocol: 'HTTP', portIndex: 1 })]);
    expect(renderNotes(NGINX, '0.15').join('\n')).toMatch(/Marathon 0.15 has no readiness checks; the rollout waits for the liveness check \(http \/ on http\)/);
  });

  it('args, a read-only host volume, and constraints (IS sent as the LIKE it equals)', () => {
    const d = render(NGINX);
    expect(d.args).toEqual(['-g', 'daemon off;']);
    expect(d).not.toHaveProperty('cmd');
    expect(d.container.volumes).toEqual([{ containerPath: '/usr/share/nginx/html', hostPath: '/srv/www', mode: 'RO' }]);
    expect(d.constraints).toEqual([
      ['rack', 'LIKE', 'r1\\.a'],
      ['hostname', 'MAX_PER', '2'],
    ]);
    // LIKE matches the whole value (mesos/Constraints.scala: offerValue.matches(regex)).
    const like = new RegExp(`^(?:${d.constraints[0][2] as string})$`);
    expect(['r1.a', 'r1xa', 'r1.ab'].map((v) => like.test(v))).toEqual([true, false, false]);
    expect(d).not.toHaveProperty('residency');
    expect(d.upgradeStrategy).toEqual({ minimumHealthCapacity: 1, maximumOverCapacity: 1 });
    expect(() => render(NGINX, '0.15')).toThrow(expect.objectContaining({ code: 'SHOVEL_ERR_MARATHON_DIALECT', message: expect.stringMatching(/MAX_PER/) }));
  });

  it('publicHost without a public port, and Shovel\'s own labels, are refused', () => {
    const noPublic = config({ ...NGINX_INPUT, ports: [{ name: 'http', containerPort: 80 }], health: {}, metrics: undefined });
    expect(() => render(noPublic)).toThrow(expect.objectContaining({ code: 'SHOVEL_ERR_MARATHON_PUBLIC_PORT' }));
    expect(() => renderAppDefinition(NGINX, { image: 'nginx:1.25.4', dialect: '1.x', labels: { HAPROXY_0_VHOST: 'x.example.com' } })).toThrow(
      expect.objectContaining({ code: 'SHOVEL_ERR_MARATHON_LABELS' }),
    );
  });

  it('validate: a second VHOST, or one on a udp or metrics mapping, is refused', () => {
    const d = render(NGINX);
    expect(appDefinitionProblems({ ...d, labels: { ...d.labels, HAPROXY_2_VHOST: 'udp.example.com' } }, '1.x').join('\n')).toMatch(/only the one public port may get a VHOST[\s\S]*HAPROXY_2_VHOST: must name a tcp port mapping/);
  });
});

