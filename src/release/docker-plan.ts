/**
 * The containers a docker-target release starts, one run specification per instance, derived
 * from shovel.yml and nothing else: the release runs exactly these, the dry run prints them.
 *
 * - ports: published as `-p hostPort+i:containerPort/proto` on the engine's default network;
 *   with host networking the software binds them itself, so a port read from a variable gets
 *   its host port there, and a fixed port (no `env`) must have hostPort = containerPort and a
 *   single instance;
 * - volumes: a persistent volume is the named volume `shovel-<service>-<name>` (instance i > 0:
 *   `...-<name>-<i>`: every instance owns its data, as a resident Marathon task does); a host
 *   directory is a bind mount;
 * - environment: shovel.yml's env (values with `${VAR}` from the releasing shell, passed as
 *   `--env NAME` so the value never appears on a command line), secrets from the shell,
 *   the shutdown timings and the port variables.
 */
import { describeCheck, portEnvOf, type Check, type ShovelConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { LABEL_HEALTH, LABEL_INSTANCE, LABEL_PORT, LABEL_PORT_PREFIX, LABEL_SERVICE, LABEL_VERSION, runCommand, type Mount, type NetworkMode, type ReleasedChecks, type RunSpec } from '../docker/containers.js';
import { LISTEN_ADDRESS_ENV, LISTEN_EVERYWHERE } from './port-contract.js';
import { instancePorts, type HostPort } from './ports.js';
import { readsShell, resolveShellValue, shellReferences } from './shell-env.js';

export const NETWORK_ENV = 'SHOVEL_DOCKER_NETWORK';

export interface InstancePlan {
  index: number;
  /** The container's name before a clash with an existing one adds a suffix. */
  spec: RunSpec;
  ports: HostPort[];
}

export interface DockerPlan {
  network: NetworkMode;
  instances: InstancePlan[];
  /** Values of the `--env NAME` entries, for the docker client's environment only. */
  clientEnv: Record<string, string>;
  /** Shell variables the config reads that the releasing shell does not have. */
  missing: string[];
}

/** Names the docker client reads itself: a value for the container cannot travel through them. */
const CLIENT_VARIABLES = /^(DOCKER_.*|PATH|HOME|(HTTPS?|NO|ALL)_PROXY)$/i;

/** docker.network of shovel.yml, unless SHOVEL_DOCKER_NETWORK says otherwise. */
export function networkMode(config: ShovelConfig, env: NodeJS.ProcessEnv): NetworkMode {
  const forced = env[NETWORK_ENV];
  if (forced === 'host' || forced === 'default') return forced;
  if (forced) throw new UsageError('SHOVEL_ERR_USAGE', `${NETWORK_ENV} must be host or default (got "${forced}").`);
  return config.docker.network;
}

export function containerBaseName(service: string, tag: string, instance: number): string {
  return `shovel-${service}-${tag}-${instance}`;
}

/** The named volume of a persistent volume for one instance. */
export function volumeName(service: string, volume: string, instance: number): string {
  return instance === 0 ? `shovel-${service}-${volume}` : `shovel-${service}-${volume}-${instance}`;
}

function checkHostNetworkPorts(config: ShovelConfig): void {
  config.ports.forEach((p, i) => {
    if (p.env) return;
    const where = `ports[${i}] (${p.name})`;
    if (p.hostPort !== p.containerPort) {
      throw new UsageError(
        'SHOVEL_ERR_CONFIG_INVALID',
        `${where} has no env, so the software binds ${p.containerPort} itself: with host networking that is its host port, and hostPort ${p.hostPort} cannot be.`,
        { hint: `Set hostPort: ${p.containerPort}, give the port an env variable the software reads, or use docker.network: default.` },
      );
    }
    if (config.resources.instances > 1) {
      throw new UsageError(
        'SHOVEL_ERR_CONFIG_INVALID',
        `${where} has no env, so every instance would bind ${p.containerPort} on the host: with host networking only one instance can run (resources.instances is ${config.resources.instances}).`,
        { hint: 'Give the port an env variable the software reads, set resources.instances: 1, or use docker.network: default.' },
      );
    }
  });
}

export function planDocker(config: ShovelConfig, options: { image: string; tag: string; env: NodeJS.ProcessEnv }): DockerPlan {
  const network = networkMode(config, options.env);
  if (network === 'host') checkHostNetworkPorts(config);
  const service = config.service.id;
  const clientEnv: Record<string, string> = {};
  const missing = new Set<string>();

  // The same for every instance: env (literal or from the shell), secrets, shutdown timings.
  const common: RunSpec['env'] = [];
  const fromShell = (name: string, value: string | undefined, refs: string[]) => {
    if (CLIENT_VARIABLES.test(name)) {
      throw new UsageError('SHOVEL_ERR_CONFIG_INVALID', `${name} takes its value from the releasing shell, which the docker target passes through the docker client's environment: ${name} would change the docker client itself.`, {
        hint: `Rename the variable, or write its value into shovel.yml.`,
      });
    }
    if (value === undefined) refs.forEach((r) => missing.add(r));
    else clientEnv[name] = value;
    common.push({ name });
  };
  for (const [name, raw] of Object.entries(config.env)) {
    if (!readsShell(raw)) {
      common.push({ name, value: raw });
      continue;
    }
    const resolved = resolveShellValue(raw, options.env);
    fromShell(name, resolved.missing.length > 0 ? undefined : resolved.value, shellReferences(raw));
  }
  for (const name of Object.keys(config.secrets)) fromShell(name, options.env[name], [name]);
  common.push({ name: 'SHUTDOWN_DELAY_MS', value: String(config.shutdown.delayMs) }, { name: 'SHUTDOWN_TIMEOUT_MS', value: String(config.shutdown.timeoutMs) });
  // On its own network the software must listen on every address to be reached through the
  // published ports (as a bridged Marathon task does).
  if (network === 'default') common.push({ name: LISTEN_ADDRESS_ENV, value: LISTEN_EVERYWHERE });

  const instances: InstancePlan[] = [];
  for (let index = 0; index < config.resources.instances; index += 1) {
    const ports = instancePorts(config.ports, index);
    // The host port of this instance where the software shares the host's network, else its container port.
    const portEnv = Object.entries(portEnvOf(config, network === 'host' ? 'host' : 'container', index)).map(([name, value]) => ({ name, value }));
    const mounts: Mount[] = config.volumes.map((v) =>
      v.persistent
        ? { type: 'volume', source: volumeName(service, v.name, index), target: v.containerPath }
        : { type: 'bind', source: v.hostPath ?? '', target: v.containerPath, readOnly: v.mode === 'RO' },
    );
    const labels: Record<string, string> = {
      ...config.labels,
      [LABEL_SERVICE]: service,
      [LABEL_VERSION]: options.tag,
      [LABEL_INSTANCE]: String(index),
      [LABEL_PORT]: ports[0] ? String(ports[0].hostPort) : 'none',
      ...Object.fromEntries(ports.map((p) => [`${LABEL_PORT_PREFIX}${p.name}`, `${p.hostPort}/${p.protocol}`])),
      [LABEL_HEALTH]: JSON.stringify(releasedChecks(config)),
    };
    const spec: RunSpec = {
      name: containerBaseName(service, options.tag, index),
      image: options.image,
      network,
      publish: network === 'default' ? ports.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol })) : [],
      env: [...common, ...portEnv],
      mounts,
      labels,
      cpus: config.resources.cpus,
      memoryMiB: config.resources.memory,
      restart: config.docker.restart,
      stopTimeoutSeconds: config.killGracePeriodSeconds,
      ...(config.command !== undefined ? { command: config.command } : {}),
      ...(config.args !== undefined ? { args: config.args } : {}),
    };
    instances.push({ index, spec, ports });
  }
  return { network, instances, clientEnv, missing: [...missing].sort() };
}

/**
 * How the docker target decides an instance is healthy, in words (the dry run prints it):
 * the configured checks; else the image's own HEALTHCHECK; else running, not restarted, for
 * one health interval.
 */
export function healthRule(config: ShovelConfig): string {
  const checks = [config.health.readiness ? `readiness ${describeCheck(config.health.readiness)}` : '', config.health.liveness ? `liveness ${describeCheck(config.health.liveness)}` : ''].filter(Boolean);
  const unhealthy = 'docker\'s health status "unhealthy" fails at once';
  if (checks.length > 0) return `${checks.join(' and ')} pass; ${unhealthy}`;
  return `docker's health status "healthy" when the image has a HEALTHCHECK (${unhealthy}), else running without a restart for ${config.health.intervalSeconds}s (health.intervalSeconds)`;
}

/** Readiness and liveness of shovel.yml, as a container records them. */
export function releasedChecks(config: ShovelConfig): ReleasedChecks {
  return { ...(config.health.readiness ? { readiness: config.health.readiness } : {}), ...(config.health.liveness ? { liveness: config.health.liveness } : {}) };
}

/** The checks of an instance, readiness first. */
export function checksOf(checks: ReleasedChecks): Array<{ name: 'readiness' | 'liveness'; check: Check }> {
  const out: Array<{ name: 'readiness' | 'liveness'; check: Check }> = [];
  if (checks.readiness) out.push({ name: 'readiness', check: checks.readiness });
  if (checks.liveness) out.push({ name: 'liveness', check: checks.liveness });
  return out;
}

/** The docker run command lines of a plan, one per instance, as the release runs them. */
export function planCommands(plan: DockerPlan): string[] {
  return plan.instances.map((i) => runCommand(i.spec));
}
