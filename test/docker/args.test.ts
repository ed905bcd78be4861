import { describe, expect, it } from 'vitest';
import { shovelConfigSchema, type ShovelConfigInput } from '../../src/config/schema.js';
import { buildArgs } from '../../src/docker/build.js';
import { mountArg, runArgs, type RunSpec } from '../../src/docker/containers.js';
import { formatCommand } from '../../src/docker/exec.js';
import { planDocker } from '../../src/release/docker-plan.js';

const BASE: ShovelConfigInput = {
  service: { id: 'orders' },
  image: { repository: '127.0.0.1:5000/orders' },
  resources: { cpus: 0.5, memory: 256, instances: 1 },
  ports: { http: 8080, metrics: 9090 },
};

const config = (extra: Partial<ShovelConfigInput> = {}) => shovelConfigSchema.parse({ ...BASE, ...extra });
const plan = (extra: Partial<ShovelConfigInput> = {}, env: NodeJS.ProcessEnv = {}) =>
  planDocker(config(extra), { image: 'x:1', tag: '1.0.0-abc1234', env });
const argsOf = (extra: Partial<ShovelConfigInput> = {}, env: NodeJS.ProcessEnv = {}, instance = 0) => runArgs(plan(extra, env).instances[instance]!.spec);

/** The value after each occurrence of a flag. */
const values = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('docker command lines', () => {
  it('build: host network, BuildKit progress, build args and OCI labels', () => {
    const args = buildArgs({
      ref: '127.0.0.1:5000/orders:1.0.0-abc1234',
      nodeImage: 'node:26-bookworm-slim',
      version: '1.0.0',
      revision: 'abc1234def',
      created: '2024-05-01T00:00:00.000Z',
      description: 'Takes orders',
      title: 'orders',
      service: 'orders',
    });
    expect(args.slice(0, 4)).toEqual(['build', '--network', 'host', '--progress']);
    expect(args).toContain('NODE_IMAGE=node:26-bookworm-slim');
    expect(args).toContain('REVISION=abc1234def');
    expect(args).toContain('org.opencontainers.image.revision=abc1234def');
    expect(args).toContain('shovel.service=orders');
    expect(args.at(-1)).toBe('.');
  });

  it('build: no NODE_IMAGE arg when none is configured (the Dockerfile default applies)', () => {
    const args = buildArgs({ ref: 'x:1', version: '1', revision: 'r', created: 'c', title: 't', service: 's' });
    expect(args.some((a) => a.startsWith('NODE_IMAGE='))).toBe(false);
  });

  it('run: every field of a run spec in its flag, the image last', () => {
    const spec: RunSpec = {
      name: 'shovel-orders-1-0',
      image: 'x:1',
      network: 'default',
      publish: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp' }],
      env: [{ name: 'GREETING', value: 'hi there' }, { name: 'TOKEN' }],
      mounts: [{ type: 'volume', source: 'shovel-orders-data', target: '/data' }, { type: 'bind', source: '/srv/a,b', target: '/etc/x', readOnly: true }],
      labels: { team: 'a', 'shovel.service': 'orders' },
      cpus: 0.25,
      memoryMiB: 128,
      restart: 'on-failure',
      stopTimeoutSeconds: 20,
      args: ['--appendonly', 'yes'],
    };
    const args = runArgs(spec);
    expect(args.slice(0, 2)).toEqual(['run', '--detach']);
    // The engine's default network: no --network flag at all.
    expect(args).not.toContain('--network');
    expect(args).toContain('--init');
    expect(values(args, '--publish')).toEqual(['18080:80/tcp', '5353:53/udp']);
    expect(values(args, '--cpus')).toEqual(['0.25']);
    expect(values(args, '--memory')).toEqual(['128m']);
    expect(values(args, '--restart')).toEqual(['on-failure']);
    expect(values(args, '--stop-timeout')).toEqual(['20']);
    expect(values(args, '--mount')).toEqual(['type=volume,source=shovel-orders-data,target=/data', 'type=bind,"source=/srv/a,b",target=/etc/x,readonly']);
    // A value from the shell travels as --env NAME: never on the command line.
    expect(values(args, '--env')).toEqual(['GREETING=hi there', 'TOKEN']);
    expect(args.slice(-3)).toEqual(['x:1', '--appendonly', 'yes']);
    expect(runArgs({ ...spec, network: 'host', publish: [], args: undefined, command: 'redis-server --port $PORT' }).slice(-4)).toEqual([
      '/bin/sh',
      'x:1',
      '-c',
      'redis-server --port $PORT',
    ]);
    expect(runArgs({ ...spec, network: 'host' }).slice(2, 4)).toEqual(['--network', 'host']);
  });

  it('mount fields with quotes are CSV-quoted', () => {
    expect(mountArg({ type: 'bind', source: '/a"b', target: '/t', readOnly: false })).toBe('type=bind,"source=/a""b",target=/t');
  });

  it('formats commands so they can be pasted into a shell', () => {
    expect(formatCommand('docker', ['build', '--label', 'a=b c', "it's"])).toBe(`docker build --label 'a=b c' 'it'\\''s'`);
  });
});

describe('planDocker', () => {
  it('default network: ports published on their stable host ports, port env the container ports, HOST every address', () => {
    const args = argsOf();
    expect(values(args, '--publish')).toEqual(['8080:8080/tcp', '9090:9090/tcp']);
    expect(values(args, '--env')).toEqual(expect.arrayContaining(['PORT=8080', 'METRICS_PORT=9090', 'HOST=0.0.0.0', 'SHUTDOWN_DELAY_MS=5000']));
    expect(values(args, '--cpus')).toEqual(['0.5']);
    expect(values(args, '--memory')).toEqual(['256m']);
    expect(values(args, '--restart')).toEqual(['unless-stopped']);
    expect(values(args, '--name')).toEqual(['shovel-orders-1.0.0-abc1234-0']);
    expect(values(args, '--label')).toEqual(expect.arrayContaining(['shovel.service=orders', 'shovel.version=1.0.0-abc1234', 'shovel.instance=0', 'shovel.port.http=8080/tcp']));
  });

  it('a port below 1024 gets containerPort + 10000 on the host; instance i takes hostPort + i', () => {
    const list = { ports: [{ name: 'web', containerPort: 80 }, { name: 'admin', containerPort: 9000, hostPort: 19000 }], resources: { cpus: 0.1, memory: 64, instances: 3 } };
    expect(values(argsOf(list, {}, 0), '--publish')).toEqual(['10080:80/tcp', '19000:9000/tcp']);
    expect(values(argsOf(list, {}, 2), '--publish')).toEqual(['10082:80/tcp', '19002:9000/tcp']);
    expect(values(argsOf(list, {}, 2), '--name')).toEqual(['shovel-orders-1.0.0-abc1234-2']);
  });

  it('host network (SHOVEL_DOCKER_NETWORK or docker.network): nothing published, port env holds the host port of the instance', () => {
    const env = { SHOVEL_DOCKER_NETWORK: 'host' };
    const args = argsOf({ resources: { cpus: 0.1, memory: 64, instances: 2 } }, env, 1);
    expect(values(args, '--network')).toEqual(['host']);
    expect(values(args, '--publish')).toEqual([]);
    expect(values(args, '--env')).toEqual(expect.arrayContaining(['PORT=8081', 'METRICS_PORT=9091']));
    expect(values(args, '--env')).not.toContain('HOST=0.0.0.0');
    expect(values(argsOf({ docker: { network: 'host' } }), '--network')).toEqual(['host']);
    expect(values(argsOf({ docker: { network: 'host' } }, { SHOVEL_DOCKER_NETWORK: 'default' }), '--network')).toEqual([]);
  });

  it('host network with a fixed port: hostPort must be containerPort and instances 1, or a usage error', () => {
    const env = { SHOVEL_DOCKER_NETWORK: 'host' };
    expect(() => plan({ ports: [{ name: 'es', containerPort: 9200, hostPort: 19200 }] }, env)).toThrow(/binds 9200 itself: with host networking that is its host port/);
    expect(() => plan({ ports: [{ name: 'es', containerPort: 9200 }], resources: { cpus: 0.1, memory: 64, instances: 2 } }, env)).toThrow(/only one instance can run/);
    expect(values(argsOf({ ports: [{ name: 'es', containerPort: 9200 }] }, env), '--env').some((e) => e.startsWith('PORT'))).toBe(false);
    expect(() => plan({ ports: [{ name: 'es', containerPort: 9200, hostPort: 19200 }] }, { SHOVEL_DOCKER_NETWORK: 'bridge' })).toThrow(/must be host or default/);
  });

  it('volumes: a named volume per instance for persistent data, bind mounts for host paths', () => {
    const extra = {
      ports: [{ name: 'redis', containerPort: 6379, env: 'REDIS_PORT' }],
      resources: { cpus: 0.1, memory: 64, instances: 2 },
      volumes: [{ containerPath: '/var/lib/redis', persistent: { size: 64 } }, { containerPath: '/etc/redis', name: 'conf', hostPath: '/srv/redis', mode: 'RO' as const }],
    };
    expect(values(argsOf(extra, {}, 0), '--mount')).toEqual(['type=volume,source=shovel-orders-redis,target=/var/lib/redis', 'type=bind,source=/srv/redis,target=/etc/redis,readonly']);
    expect(values(argsOf(extra, {}, 1), '--mount')[0]).toBe('type=volume,source=shovel-orders-redis-1,target=/var/lib/redis');
  });

  it('"${VAR}" values and secrets come from the releasing shell through the client environment, never the command line', () => {
    const extra = { env: { DSN: 'postgres://app:${DB_PASSWORD}@db/app', LITERAL: 'a$${b}', PLAIN: 'x' }, secrets: { API_TOKEN: 'team/api-token' } };
    const shell = { DB_PASSWORD: 's3cret', API_TOKEN: 'tok-123' };
    const p = plan(extra, shell);
    const args = runArgs(p.instances[0]!.spec);
    expect(values(args, '--env')).toEqual(expect.arrayContaining(['DSN', 'LITERAL', 'PLAIN=x', 'API_TOKEN']));
    expect(args.join(' ')).not.toMatch(/s3cret|tok-123/);
    expect(p.clientEnv).toEqual({ DSN: 'postgres://app:s3cret@db/app', LITERAL: 'a${b}', API_TOKEN: 'tok-123' });
    expect(p.missing).toEqual([]);
    expect(plan(extra, {}).missing).toEqual(['API_TOKEN', 'DB_PASSWORD']);
    expect(() => plan({ env: { DOCKER_HOST: '${X}' } }, { X: '1' })).toThrow(/would change the docker client itself/);
  });

  it('command runs with sh -c, args follow the image, labels carry shovel.yml labels', () => {
    expect(argsOf({ command: 'exec nginx -g "daemon off;"' }).slice(-4)).toEqual(['/bin/sh', 'x:1', '-c', 'exec nginx -g "daemon off;"']);
    expect(argsOf({ args: ['--appendonly', 'yes'] }).slice(-3)).toEqual(['x:1', '--appendonly', 'yes']);
    expect(values(argsOf({ labels: { team: 'data' }, docker: { network: 'default', restart: 'always' } }), '--label')).toContain('team=data');
    expect(values(argsOf({ docker: { network: 'default', restart: 'always' } }), '--restart')).toEqual(['always']);
  });
});
