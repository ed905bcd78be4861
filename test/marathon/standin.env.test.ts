/**
 * The stand-in's task environment and port assignments, pinned against the Marathon facts they
 * follow (mesosphere/marathon src/main/scala/mesosphere/mesos/EnvironmentHelper.scala and
 * TaskBuilder.scala, core/task/state/NetworkInfo.scala, docs/docs/task-environment-vars.md and
 * docs/docs/ports.md). App definitions here are written by hand, never rendered by src/.
 */
import { describe, expect, it } from 'vitest';
import { declaredPorts, networkModeOf, portAssignments, requestedHostPorts } from '../support/marathon-standin/ports.js';
import { envEraOf, labelsToEnvVars, portsEnv, scalaDouble, taskEnv } from '../support/marathon-standin/task-env.js';
import { invalidBody, schemaOf } from '../support/marathon-standin/validate.js';

/** A 1.x Docker app in bridge mode with two named port mappings. */
const BRIDGED = {
  id: '/shop/orders',
  cpus: 0.25,
  mem: 256,
  instances: 2,
  container: {
    type: 'DOCKER',
    docker: { image: '127.0.0.1:5000/shop/orders:1.2.3' },
    portMappings: [
      { containerPort: 8080, hostPort: 0, name: 'http', protocol: 'tcp' },
      { containerPort: 9090, hostPort: 0, name: 'metrics', protocol: 'tcp' },
    ],
  },
  networks: [{ mode: 'container/bridge' }],
  labels: { team: 'shop', 'HAPROXY_0_VHOST': 'orders.example.com' },
  env: { PORT: '8080', GREETING: 'hi' },
};

/** BRIDGED's port variables on host ports 31005 and 31006: every one a HOST port. */
const BRIDGED_PORTS_ENV = {
  PORT0: '31005',
  PORT1: '31006',
  PORT_8080: '31005',
  PORT_9090: '31006',
  PORT_HTTP: '31005',
  PORT_METRICS: '31006',
  PORT: '31005',
  PORTS: '31005,31006',
};

describe('stand-in task environment (TaskBuilder.commandInfo + EnvironmentHelper)', () => {
  it('bridge mode: every port variable holds a HOST port (task-environment-vars.md, ports.md)', () => {
    expect(portsEnv(declaredPorts(BRIDGED), [31005, 31006])).toEqual(BRIDGED_PORTS_ENV);
  });

  it('the full environment: task context ++ ports env ++ HOST ++ the app env, which wins', () => {
    const env = taskEnv({ def: BRIDGED, appId: '/shop/orders', version: '2026-01-02T03:04:05.678Z', taskId: 'shop_orders.instance-1.$anon', agentHost: 'agent-7', hostPorts: [31005, 31006] });
    expect(env).toEqual({
      MESOS_TASK_ID: 'shop_orders.instance-1.$anon',
      MARATHON_APP_ID: '/shop/orders',
      MARATHON_APP_VERSION: '2026-01-02T03:04:05.678Z',
      MARATHON_APP_DOCKER_IMAGE: '127.0.0.1:5000/shop/orders:1.2.3',
      MARATHON_APP_RESOURCE_CPUS: '0.25',
      MARATHON_APP_RESOURCE_MEM: '256.0',
      MARATHON_APP_RESOURCE_DISK: '0.0',
      MARATHON_APP_RESOURCE_GPUS: '0',
      MARATHON_APP_LABELS: 'TEAM HAPROXY_0_VHOST',
      MARATHON_APP_LABEL_TEAM: 'shop',
      MARATHON_APP_LABEL_HAPROXY_0_VHOST: 'orders.example.com',
      ...BRIDGED_PORTS_ENV,
      // The app's env set PORT: it is applied last and replaces Marathon's PORT (= PORT0).
      PORT: '8080',
      HOST: 'agent-7',
      GREETING: 'hi',
    });
  });

  it('the app env may replace HOST and any port variable too', () => {
    const def = { ...BRIDGED, env: { HOST: '0.0.0.0', PORT0: '1' } };
    const env = taskEnv({ def, appId: '/a', version: 'v', taskId: 't', agentHost: 'agent-7', hostPorts: [31005, 31006] });
    expect(env).toMatchObject({ HOST: '0.0.0.0', PORT0: '1', PORT: '31005', PORT_HTTP: '31005' });
  });

  it('secret references in env are not plain values and are left out', () => {
    const def = { ...BRIDGED, env: { DB_PASSWORD: { secret: 'db' }, A: 'b' } };
    const env = taskEnv({ def, appId: '/a', version: 'v', taskId: 't', agentHost: 'h', hostPorts: [1, 2] });
    expect(env.A).toBe('b');
    expect(env).not.toHaveProperty('DB_PASSWORD');
  });

  it.each([
    // containerPort 0 means "the host port" (TaskBuilder.boundPortMappings): PORT_<hostPort>.
    [{ containerPort: 0, hostPort: 0 }, { PORT0: '31000', PORT_31000: '31000', PORT: '31000', PORTS: '31000' }],
    // Names are upper-cased, nothing else (EnvironmentHelper: portName.toUpperCase).
    [{ containerPort: 80, hostPort: 0, name: 'web-ui' }, { PORT0: '31000', PORT_80: '31000', 'PORT_WEB-UI': '31000', PORT: '31000', PORTS: '31000' }],
  ])('port mapping %j', (mapping, expected) => {
    const def = { container: { type: 'DOCKER', docker: { image: 'x:1' }, portMappings: [mapping] }, networks: [{ mode: 'container/bridge' }] };
    expect(portsEnv(declaredPorts(def), [31000])).toEqual(expected);
  });

  it('host networking: port definitions, a requested port names its variable (PORT_<port>)', () => {
    const def = { portDefinitions: [{ port: 0, name: 'http' }, { port: 10001 }] };
    expect(networkModeOf(def)).toBe('host');
    expect(requestedHostPorts(def)).toEqual([undefined, 10001]);
    expect(portsEnv(declaredPorts(def), [31000, 10001])).toEqual({ PORT0: '31000', PORT1: '10001', PORT_31000: '31000', PORT_10001: '10001', PORT_HTTP: '31000', PORT: '31000', PORTS: '31000,10001' });
  });

  it('no ports declared with host networking: one port (ports.md, "a single port by default")', () => {
    expect(declaredPorts({ id: '/a' })).toEqual([{ port: 0 }]);
  });

  it('labels: names sanitised to [A-Z0-9_], too long ones left out, MARATHON_APP_LABELS always set', () => {
    expect(labelsToEnvVars({})).toEqual({ MARATHON_APP_LABELS: '' });
    expect(labelsToEnvVars({ 'a.b-c': '1', ok: 'x'.repeat(511), long: 'x'.repeat(512), [`k${'y'.repeat(492)}`]: 'v' })).toEqual({
      MARATHON_APP_LABELS: 'A_B_C OK',
      MARATHON_APP_LABEL_A_B_C: '1',
      MARATHON_APP_LABEL_OK: 'x'.repeat(511),
    });
  });

  it.each([
    [0.25, '0.25'],
    [1, '1.0'],
    [256, '256.0'],
    [0, '0.0'],
    [1e7, '1.0E7'],
    [0.0001, '1.0E-4'],
  ])('resources print as Scala Doubles: %d -> %s', (n, text) => {
    expect(scalaDouble(n)).toBe(text);
  });
});

describe('stand-in networking (NetworkInfo.computePortAssignments)', () => {
  it.each([
    ['1.x container/bridge', { networks: [{ mode: 'container/bridge' }] }, 'bridge'],
    ['1.x container', { networks: [{ mode: 'container', name: 'n' }] }, 'bridge'],
    ['1.x host', { networks: [{ mode: 'host' }] }, 'host'],
    ['0.x BRIDGE', { container: { type: 'DOCKER', docker: { image: 'x:1', network: 'BRIDGE' } } }, 'bridge'],
    ['0.x HOST', { container: { type: 'DOCKER', docker: { image: 'x:1', network: 'HOST' } } }, 'host'],
    ['no networking given', {}, 'host'],
  ])('%s', (_name, def, mode) => {
    expect(networkModeOf(def)).toBe(mode);
  });

  it('bridge: the effective port is the host port, the container port kept beside it (0 = the host port)', () => {
    const def = { ...BRIDGED, container: { ...BRIDGED.container, portMappings: [...BRIDGED.container.portMappings, { containerPort: 0, hostPort: 0, name: 'admin' }] } };
    expect(portAssignments(def, [31005, 31006, 31007])).toEqual([
      { name: 'http', hostPort: 31005, containerPort: 8080 },
      { name: 'metrics', hostPort: 31006, containerPort: 9090 },
      { name: 'admin', hostPort: 31007, containerPort: 31007 },
    ]);
  });

  it('0.x: port mappings under container.docker, without names', () => {
    const def = { container: { type: 'DOCKER', docker: { image: 'x:1', network: 'BRIDGE', portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }] } } };
    expect(portAssignments(def, [31005])).toEqual([{ hostPort: 31005, containerPort: 8080 }]);
    expect(portsEnv(declaredPorts(def), [31005])).toEqual({ PORT0: '31005', PORT_8080: '31005', PORT: '31005', PORTS: '31005' });
  });
});

describe('stand-in by Marathon version (TaskBuilder.scala and the 422 body at v1.7.236, v0.15.7, v0.11.1)', () => {
  const OLD = {
    id: '/shop/orders',
    cpus: 0.5,
    mem: 64,
    labels: { team: 'shop' },
    container: { type: 'DOCKER', docker: { image: '127.0.0.1:5000/shop/orders:1', network: 'BRIDGE', portMappings: [{ containerPort: 8080, hostPort: 0 }, { containerPort: 0, hostPort: 0 }] } },
    env: { PORT: '8080' },
  };
  const input = (marathonVersion: string) => ({ era: envEraOf(marathonVersion), def: OLD, appId: '/shop/orders', version: 'v', taskId: 't', agentHost: 'agent-7', hostPorts: [31005, 31006] });

  it('0.15: resources and labels but no GPUs, no port names, no PORT_<n> for a declared 0', () => {
    expect(taskEnv(input('0.15.7'))).toEqual({
      MESOS_TASK_ID: 't', MARATHON_APP_ID: '/shop/orders', MARATHON_APP_VERSION: 'v', MARATHON_APP_DOCKER_IMAGE: '127.0.0.1:5000/shop/orders:1',
      MARATHON_APP_RESOURCE_CPUS: '0.5', MARATHON_APP_RESOURCE_MEM: '64.0', MARATHON_APP_RESOURCE_DISK: '0.0',
      MARATHON_APP_LABELS: 'TEAM', MARATHON_APP_LABEL_TEAM: 'shop',
      PORT0: '31005', PORT1: '31006', PORT_8080: '31005', PORT: '8080', PORTS: '31005,31006', HOST: 'agent-7',
    });
  });

  it('0.11: the task context is id, version and image only', () => {
    expect(taskEnv(input('0.11.1'))).toEqual({
      MESOS_TASK_ID: 't', MARATHON_APP_ID: '/shop/orders', MARATHON_APP_VERSION: 'v', MARATHON_APP_DOCKER_IMAGE: '127.0.0.1:5000/shop/orders:1',
      PORT0: '31005', PORT1: '31006', PORT_8080: '31005', PORT: '8080', PORTS: '31005,31006', HOST: 'agent-7',
    });
  });

  it.each([
    ['1.7.236', '1.7', { message: 'Object is not valid', details: [{ path: '/mem', errors: ['must be at least 32'] }] }],
    ['1.10.17', '1.7', { message: 'Object is not valid', details: [{ path: '/mem', errors: ['must be at least 32'] }] }],
    ['0.15.7', '0.15.7', { message: 'Object is not valid', details: [{ attribute: 'mem', error: 'must be at least 32' }] }],
    ['0.11.1', '0.11.1', { message: 'validation failed: mem must be at least 32', errors: [{ attribute: 'mem', error: 'must be at least 32' }] }],
  ])('%s validates with the %s schema and answers 422 as %j', (version, schema, body) => {
    expect(schemaOf(version)).toBe(schema);
    expect(invalidBody([{ path: '/mem', errors: ['must be at least 32'] }], version)).toEqual(body);
  });
});
