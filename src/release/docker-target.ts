/**
 * The docker target: the local engine stands in for a cluster, with the same health gate.
 * Every port has a stable host port, so a new instance can only start once the old one has
 * let go of it (and of its volume): a release replaces instances one at a time. With nothing
 * running (a first release, or one after `shovel stop`) no instance waits for another: all
 * start at once and are gated together, as Marathon starts the instances of a new app.
 *
 *   for each instance i:  stop OLD i (graceful, killGracePeriodSeconds; kept, stopped)
 *                         start NEW i on the same host ports and volumes
 *                         NEW i healthy before the deadline?
 *     no (or Ctrl-C, or a docker failure): remove every NEW, start the OLD ones again; fail
 *   all healthy: remove the OLD containers (extra old instances are stopped first)
 *
 * Two containers never run on one volume. Nothing is pulled: the image was just built (or is
 * still there, for a rollback).
 */
import { StepError, UsageError } from '../errors.js';
import type { ShovelConfig } from '../config/schema.js';
import {
  containerLogs,
  containerNameTaken,
  listServiceContainers,
  networkExists,
  removeContainer,
  runCommand,
  runContainer,
  setRestartPolicy,
  startContainer,
  stopContainer,
  type ContainerInfo,
  type ContainerPort,
} from '../docker/containers.js';
import type { Progress } from '../ui/progress.js';
import { checksFor, containerState, instanceProbes } from './docker-health.js';
import { missingShellError } from './shell-env.js';
import { planDocker, releasedChecks, type DockerPlan, type InstancePlan } from './docker-plan.js';
import { waitHealthy } from './health.js';
import { busyPorts, portKey, type HostPort } from './ports.js';

export { localUrl } from './docker-health.js';

export interface DockerDeployOptions {
  config: ShovelConfig;
  /** repository:tag */
  image: string;
  tag: string;
  deadlineMs: number;
  progress: Progress;
  signal?: AbortSignal;
  /** The releasing shell (SHOVEL_DOCKER_NETWORK, `${VAR}` values, secrets); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface DockerInstance {
  index: number;
  container: string;
  containerId: string;
  ports: Record<string, ContainerPort>;
}

export interface DockerDeployment {
  /** Instance 0. */
  container: string;
  containerId: string;
  /** Host port of the public port (else the first port) of instance 0; 0 without ports. */
  port: number;
  /** Host port of the metrics port of instance 0; 0 without one. */
  metricsPort: number;
  url: string;
  /** Containers of the earlier version that were stopped (then removed) for this one. */
  stopped: string[];
  instances: DockerInstance[];
  /** The docker run command lines, as the dry run prints them. */
  commands: string[];
}

/** Where the service answers: the public port, else the port of an http check, else the first port. */
export function serviceAddress(config: ShovelConfig, ports: Record<string, ContainerPort>): { port: number; url: string } {
  const httpCheck = [config.health.readiness, config.health.liveness].find((c) => c?.type === 'http');
  const chosen = config.ports.find((p) => p.public) ?? config.ports.find((p) => httpCheck?.type === 'http' && p.name === httpCheck.port) ?? config.ports[0];
  const port = chosen ? ports[chosen.name] : undefined;
  if (!chosen || !port) return { port: 0, url: '' };
  const http = chosen.public || (httpCheck?.type === 'http' && httpCheck.port === chosen.name);
  return { port: port.hostPort, url: http ? `http://127.0.0.1:${port.hostPort}` : `${port.protocol}://127.0.0.1:${port.hostPort}` };
}

async function uniqueName(base: string, claimed: ReadonlySet<string>): Promise<string> {
  // Re-releasing the same tag (or rolling back to it) while its old container still exists.
  for (let n = 1; ; n += 1) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!claimed.has(name) && !(await containerNameTaken(name))) return name;
  }
}

function portsRecord(ports: readonly HostPort[]): Record<string, ContainerPort> {
  return Object.fromEntries(ports.map((p) => [p.name, { hostPort: p.hostPort, protocol: p.protocol }]));
}

const keysOf = (ports: Record<string, ContainerPort>) => Object.values(ports).map(portKey);

/** What must stop before instance `i` starts: old instance i, and any old container on its ports. */
function blockersOf(instance: InstancePlan, running: readonly ContainerInfo[]): ContainerInfo[] {
  const wanted = new Set(instance.ports.map(portKey));
  return running.filter((c) => c.instance === instance.index || keysOf(c.ports).some((k) => wanted.has(k)));
}

/**
 * Checks that need the engine but change nothing: the default network exists, and no program
 * other than this service's own containers holds a host port the release needs.
 */
/** Two instances' ports on one host port, or a port above 65535, in words; undefined when none. */
export function hostPortClash(plan: DockerPlan): string | undefined {
  const seen = new Map<string, string>();
  for (const instance of plan.instances) {
    for (const p of instance.ports) {
      const what = `port ${p.name} of instance ${instance.index}`;
      if (p.hostPort > 65535) return `Host port ${p.hostPort} of ${what} is above 65535.`;
      const other = seen.get(portKey(p));
      if (other) return `Host port ${portKey(p)} would be both ${other} and ${what}.`;
      seen.set(portKey(p), what);
    }
  }
  return undefined;
}

export async function checkDockerTarget(plan: DockerPlan, running: readonly ContainerInfo[], service: string): Promise<void> {
  if (plan.missing.length > 0) throw missingShellError(plan.missing);
  const clash = hostPortClash(plan);
  if (clash) {
    throw new UsageError('SHOVEL_ERR_DOCKER_PORTS', clash, {
      hint: 'Instance i publishes every port on its hostPort + i: give the ports hostPorts further apart in shovel.yml.',
    });
  }
  if (plan.network === 'default' && !(await networkExists('bridge'))) {
    throw new UsageError('SHOVEL_ERR_DOCKER_NETWORK', "The Docker engine has no default (bridge) network to publish the service's ports on.", {
      hint: 'Set docker.network: host in shovel.yml, or SHOVEL_DOCKER_NETWORK=host (the software then shares the host network).',
    });
  }
  const ours = new Set(running.flatMap((c) => keysOf(c.ports)));
  const needed = plan.instances.flatMap((i) => i.ports).filter((p) => !ours.has(portKey(p)));
  const busy = await busyPorts(needed);
  if (busy.length > 0) {
    throw new StepError('SHOVEL_ERR_HOST_PORT_BUSY', `Host port${busy.length > 1 ? 's' : ''} ${busy.map((p) => `${portKey(p)} (${p.name})`).join(', ')} ${busy.length > 1 ? 'are' : 'is'} in use by something other than ${service}.`, {
      hint: 'Stop what holds it, or choose another hostPort for that port in shovel.yml.',
    });
  }
}

/**
 * Everything the docker target can check before anything is built: the run arguments can be
 * made (host networking rules, shell variables), the engine can publish ports, and the host
 * ports are free or held by this service's own containers. Changes nothing.
 */
export async function preflightDocker(config: ShovelConfig, options: { image: string; tag: string; env?: NodeJS.ProcessEnv }): Promise<DockerPlan> {
  const plan = planDocker(config, { image: options.image, tag: options.tag, env: options.env ?? process.env });
  await checkDockerTarget(plan, (await listServiceContainers(config.service.id)).filter((c) => c.running), config.service.id);
  return plan;
}

export async function deployToDocker(options: DockerDeployOptions): Promise<DockerDeployment> {
  const { config, progress, signal } = options;
  const service = config.service.id;
  const plan = planDocker(config, { image: options.image, tag: options.tag, env: options.env ?? process.env });
  const grace = config.killGracePeriodSeconds;
  // The deadline bounds the deployment: the new version gets two thirds, the rollback the rest.
  const started = Date.now();
  const newVersionMs = Math.round((options.deadlineMs * 2) / 3);
  const newVersionUntil = started + newVersionMs;
  const deadlineText = `${(newVersionMs / 1000).toFixed(0)}s`;
  const until = started + options.deadlineMs;

  let previous: ContainerInfo[] = [];
  const stoppedByUs: ContainerInfo[] = [];
  const instances: DockerInstance[] = [];
  const commands: string[] = [];
  /** Containers being created, not yet in `instances`: removed too if the release fails. */
  const starting = new Set<string>();

  /** Stops what blocks `instance`, then starts it with the plan's run arguments. */
  const startInstance = async (instance: InstancePlan, update: (detail: string) => void): Promise<DockerInstance> => {
    for (const old of blockersOf(instance, previous.filter((c) => c.running && !stoppedByUs.includes(c)))) {
      update(`stopping ${old.name} (grace ${grace}s)`);
      // A stopped container with restart policy "always" would come back with the engine.
      await setRestartPolicy(old.id, { name: 'no' });
      stoppedByUs.push(old);
      await stopContainer(old.id, grace);
    }
    const name = await uniqueName(instance.spec.name, starting);
    starting.add(name);
    const spec = { ...instance.spec, name };
    const command = runCommand(spec);
    commands[instance.index] = command;
    const id = await runContainer(spec, plan.clientEnv, signal);
    starting.delete(name);
    const deployed = { index: instance.index, container: name, containerId: id, ports: portsRecord(instance.ports) };
    instances.push(deployed);
    return deployed;
  };

  /** The health gate of one new instance; throws SHOVEL_ERR_NOT_HEALTHY when it fails. */
  const gate = async (container: DockerInstance, update: (detail: string) => void, gateSignal: AbortSignal | undefined): Promise<string> => {
    const result = await waitHealthy({
      probes: instanceProbes(releasedChecks(config), container.ports, container.containerId),
      deadlineMs: Math.max(0, newVersionUntil - Date.now()),
      deadlineText,
      timeoutMs: config.health.timeoutSeconds * 1000,
      settleMs: config.health.intervalSeconds * 1000,
      state: containerState(container.containerId, 0),
      onProgress: update,
      ...(gateSignal ? { signal: gateSignal } : {}),
    });
    if (result.healthy) return `healthy after ${(result.ms / 1000).toFixed(1)}s (${result.by})`;
    throw new StepError(
      'SHOVEL_ERR_NOT_HEALTHY',
      `${container.container} did not become healthy: ${result.reason}. The new container${plan.instances.length > 1 ? 's were' : ' was'} removed; ${
        stoppedByUs.length > 0 ? 'the previous version serves again' : 'nothing was serving before it'
      }.`,
      {
        outputTail: await containerLogs(container.containerId),
        hint: 'Check the health checks in shovel.yml against what the software answers (shovel logs shows its output); raise the deadline with --deadline SECONDS if it is just slow.',
      },
    );
  };

  try {
    // What runs now decides the order; the engine and host ports are checked once more.
    previous = await listServiceContainers(service);
    const check = () => checkDockerTarget(plan, previous.filter((c) => c.running), service);
    if (plan.instances.length === 0) {
      // resources.instances: 0 stops the service: the old containers go in Stop previous.
      await progress.step('Deploy', async (update) => update('no instance to start (resources.instances: 0)'));
    } else if (plan.instances.length > 1 && !previous.some((c) => c.running)) {
      await progress.step('Deploy', async (update) => {
        update('checking the engine and host ports');
        await check();
        update(`starting ${plan.instances.length} instances`);
        await Promise.all(plan.instances.map((instance) => startInstance(instance, update)));
        instances.sort((a, b) => a.index - b.index);
        // The step's detail is the commands it ran (the dry run prints the same).
        update(commands.join('\n'));
      });
      await progress.step('Wait for health', async (update) => {
        // One failure stops the other gates: the release fails and every new container goes.
        const stopOthers = new AbortController();
        const gateSignal = signal ? AbortSignal.any([signal, stopOthers.signal]) : stopOthers.signal;
        const results = await Promise.all(
          instances.map((instance) =>
            gate(instance, (detail) => update(`${instance.container}: ${detail}`), gateSignal).catch((error: unknown) => {
              stopOthers.abort(error);
              throw error;
            }),
          ),
        );
        update(results.map((result, i) => `${instances[i]!.container} ${result}`).join('; '));
      });
    } else {
      for (const instance of plan.instances) {
        const of = plan.instances.length > 1 ? ` ${instance.index + 1}/${plan.instances.length}` : '';
        const container = await progress.step(`Deploy${of}`, async (update) => {
          if (instance.index === 0) {
            update('checking the engine and host ports');
            await check();
          }
          const deployed = await startInstance(instance, update);
          // The step's detail is the command it ran (the dry run prints the same).
          update(commands[instance.index]!);
          return deployed;
        });
        await progress.step(`Wait for health${of}`, async (update) => update(await gate(container, update, signal)));
      }
    }
  } catch (error) {
    // Whatever went wrong (unhealthy, Ctrl-C, docker failure), the old version must serve again.
    await rollBack(progress, { config, instances, starting: [...starting], stoppedByUs, grace, until });
    throw error;
  }

  const stopped = await progress.step('Stop previous', async (update) => {
    const ours = new Set(instances.map((i) => i.containerId));
    const names: string[] = stoppedByUs.map((c) => c.name);
    for (const old of previous) {
      if (ours.has(old.id)) continue;
      if (old.running && !stoppedByUs.includes(old)) {
        update(`stopping ${old.name} (grace ${grace}s)`);
        await stopContainer(old.id, grace);
        names.push(old.name);
      }
      // Stopped containers carry nothing worth keeping: the image is what a rollback needs,
      // and the data lives in named volumes.
      await removeContainer(old.id);
    }
    update(names.length > 0 ? `removed ${names.join(', ')}` : 'nothing was running');
    return names;
  });

  const first = instances[0];
  const address = first ? serviceAddress(config, first.ports) : { port: 0, url: '' };
  const metrics = first && config.metrics ? first.ports[config.metrics.port] : undefined;
  return {
    container: first?.container ?? '',
    containerId: first?.containerId ?? '',
    port: address.port,
    metricsPort: metrics?.hostPort ?? 0,
    url: address.url,
    stopped,
    instances,
    commands: commands.filter((c) => c !== undefined),
  };
}

/** Removes the new containers, then starts the old ones that this release stopped. */
async function rollBack(
  progress: Progress,
  state: { config: ShovelConfig; instances: DockerInstance[]; starting: string[]; stoppedByUs: ContainerInfo[]; grace: number; until: number },
): Promise<void> {
  const leftover: string[] = [];
  for (const name of state.starting) if (await containerNameTaken(name)) leftover.push(name);
  if (state.instances.length === 0 && leftover.length === 0 && state.stoppedByUs.length === 0) return;
  await progress.step('Rollback', async (update) => {
    for (const name of [...state.instances.map((i) => i.containerId), ...leftover]) {
      update(`removing ${name}`);
      // Stopped first, with the grace period: the new version may have written to the volume.
      await stopContainer(name, state.grace).catch(() => undefined);
      await removeContainer(name);
    }
    const failed: string[] = [];
    for (const old of state.stoppedByUs) {
      update(`starting ${old.name} again`);
      await setRestartPolicy(old.id, old.restartPolicy);
      await startContainer(old.id).catch(() => failed.push(old.name));
    }
    // The old containers must serve again: through the same checks, with what is left of the deadline.
    for (const old of state.stoppedByUs) {
      if (failed.includes(old.name)) continue;
      const result = await waitHealthy({
        probes: instanceProbes(checksFor(old, state.config), old.ports, old.id),
        deadlineMs: Math.max(state.until - Date.now(), 5000),
        timeoutMs: state.config.health.timeoutSeconds * 1000,
        state: containerState(old.id),
      });
      if (!result.healthy) failed.push(`${old.name} (${result.reason})`);
    }
    if (failed.length > 0) {
      throw new StepError('SHOVEL_ERR_ROLLBACK_FAILED', `The previous version did not serve again: ${failed.join(', ')}.`, {
        hint: 'See docker ps -a and shovel logs; shovel rollback starts an earlier release through the health gate.',
      });
    }
    update(state.stoppedByUs.length > 0 ? `started ${state.stoppedByUs.map((c) => c.name).join(', ')} again` : 'nothing was running before');
  });
}

/** The running container(s) of a service, newest first. */
export async function runningContainers(service: string): Promise<ContainerInfo[]> {
  return (await listServiceContainers(service)).filter((c) => c.running);
}
