/**
 * The docker target: the local engine stands in for a cluster, with the same health gate.
 *
 *   start NEW next to OLD (fresh ports) -> NEW ready + live before the deadline?
 *     yes: stop OLD (graceful, killGracePeriodSeconds), NEW serves
 *     no:  remove NEW, OLD keeps serving, the release fails
 *
 * Nothing is pulled: the image was just built (or is still there, for a rollback).
 */
import { StepError } from '../errors.js';
import type { Check, ShovelConfig } from '../config/schema.js';
import {
  containerLogs,
  containerNameTaken,
  inspectContainers,
  listServiceContainers,
  removeContainer,
  runContainer,
  stopContainer,
  type ContainerInfo,
} from '../docker/containers.js';
import type { Progress } from '../ui/progress.js';
import { waitHealthy } from './health.js';
import { freePorts } from './ports.js';

export interface DockerDeployOptions {
  config: ShovelConfig;
  /** repository:tag */
  image: string;
  tag: string;
  deadlineMs: number;
  progress: Progress;
  signal?: AbortSignal;
}

export interface DockerDeployment {
  container: string;
  containerId: string;
  port: number;
  metricsPort: number;
  url: string;
  stopped: string[];
}

/** The path of an http check; other kinds are probed as the health root until the docker target runs them. */
function httpPath(check: Check | undefined): string {
  return check?.type === 'http' ? check.path : '/';
}

export function localUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** Environment of the container: the config's, plus what Shovel derives (as render.ts does for Marathon). */
export function containerEnv(config: ShovelConfig): Record<string, string> {
  return {
    ...config.env,
    SHUTDOWN_DELAY_MS: String(config.shutdown.delayMs),
    SHUTDOWN_TIMEOUT_MS: String(config.shutdown.timeoutMs),
  };
}

export function containerBaseName(service: string, tag: string): string {
  return `shovel-${service}-${tag}`;
}

async function uniqueName(base: string): Promise<string> {
  // Re-releasing the same tag (or rolling back to it) while its old container still exists.
  for (let n = 1; ; n += 1) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!(await containerNameTaken(name))) return name;
  }
}

export async function deployToDocker(options: DockerDeployOptions): Promise<DockerDeployment> {
  const { config, progress, signal } = options;
  const service = config.service.id;

  let name = '';
  let containerId = '';
  let port = 0;
  let metricsPort = 0;
  let previous: ContainerInfo[] = [];
  try {
    await progress.step('Deploy', async (update) => {
      previous = await listServiceContainers(service);
      const busy = previous.flatMap((c) => [c.port, c.metricsPort]).filter((p): p is number => p !== undefined);
      [port, metricsPort] = (await freePorts(2, busy)) as [number, number];
      name = await uniqueName(containerBaseName(service, options.tag));
      update(`${name} on ports ${port} (http) and ${metricsPort} (metrics)`);
      containerId = await runContainer(
        {
          name,
          image: options.image,
          service,
          version: options.tag,
          port,
          metricsPort,
          env: containerEnv(config),
          stopTimeoutSeconds: config.killGracePeriodSeconds,
        },
        signal,
      );
    });
    await progress.step('Wait for health', async (update) => {
      const result = await waitHealthy({
        baseUrl: localUrl(port),
        readinessPath: httpPath(config.health.readiness),
        livenessPath: httpPath(config.health.liveness),
        deadlineMs: options.deadlineMs,
        ...(signal ? { signal } : {}),
        onProgress: update,
        gone: async () => {
          const [info] = await inspectContainers([containerId]);
          if (!info) return 'the container disappeared';
          return info.running ? undefined : `the container exited with code ${info.exitCode}`;
        },
      });
      if (result.healthy) {
        update(`ready and live after ${(result.ms / 1000).toFixed(1)}s`);
        return;
      }
      throw new StepError(
        'SHOVEL_ERR_NOT_HEALTHY',
        `${name} did not become healthy: ${result.reason}. The new container was removed; ${
          previous.some((c) => c.running) ? 'the previous version keeps serving' : 'nothing was serving before it'
        }.`,
        {
          outputTail: await containerLogs(containerId),
          hint: `It must answer 200 on ${httpPath(config.health.readiness)} and ${httpPath(config.health.liveness)} (port $PORT). Raise the deadline with --deadline SECONDS if it is just slow.`,
        },
      );
    });
  } catch (error) {
    // Whatever went wrong (unhealthy, Ctrl-C, docker failure), the old version must keep serving.
    if (containerId || (name && (await containerNameTaken(name)))) {
      await progress.step('Rollback', async (update) => {
        update(`removing ${name}`);
        await removeContainer(containerId || name);
      });
    }
    throw error;
  }

  const stopped = await progress.step('Stop previous', async (update) => {
    const names: string[] = [];
    for (const old of previous) {
      if (old.id === containerId) continue;
      if (old.running) {
        update(`stopping ${old.name} (grace ${config.killGracePeriodSeconds}s)`);
        await stopContainer(old.id, config.killGracePeriodSeconds);
        names.push(old.name);
      }
      // Stopped containers carry nothing worth keeping: the image is what a rollback needs.
      await removeContainer(old.id);
    }
    if (names.length === 0) update('nothing was running');
    return names;
  });

  return { container: name, containerId, port, metricsPort, url: localUrl(port), stopped };
}

/** The running container(s) of a service, newest first. */
export async function runningContainers(service: string): Promise<ContainerInfo[]> {
  return (await listServiceContainers(service)).filter((c) => c.running);
}
