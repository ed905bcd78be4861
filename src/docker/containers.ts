/**
 * The containers of the docker target. Shovel finds its own containers by label
 * (shovel.service), never by name pattern, so a user's unrelated containers are never stopped.
 */
import { portEnv } from '../release/port-contract.js';
import { docker } from './exec.js';

export const LABEL_SERVICE = 'shovel.service';
export const LABEL_VERSION = 'shovel.version';
export const LABEL_PORT = 'shovel.port';
export const LABEL_METRICS_PORT = 'shovel.metrics-port';

export interface RunSpec {
  name: string;
  image: string;
  service: string;
  version: string;
  port: number;
  metricsPort: number;
  env: Record<string, string>;
  /** Docker's SIGTERM -> SIGKILL delay for this container. */
  stopTimeoutSeconds: number;
}

export function runArgs(spec: RunSpec): string[] {
  const args = [
    'run',
    '--detach',
    // Host networking always: the machines Shovel targets have no bridge network, and it is
    // why old and new containers need different ports.
    '--network',
    'host',
    // The docker target never pulls: the image was just built (or kept for a rollback).
    '--pull',
    'never',
    // node is PID 1 in the image and does not reap orphans: docker's init does (and passes
    // SIGTERM on, so the drain still runs).
    '--init',
    '--name',
    spec.name,
    '--stop-timeout',
    String(spec.stopTimeoutSeconds),
    '--label',
    `${LABEL_SERVICE}=${spec.service}`,
    '--label',
    `${LABEL_VERSION}=${spec.version}`,
    '--label',
    `${LABEL_PORT}=${spec.port}`,
    '--label',
    `${LABEL_METRICS_PORT}=${spec.metricsPort}`,
  ];
  // Host networking: the ports the service binds are the ports it is reached on.
  const env = { ...spec.env, ...portEnv({ http: spec.port, metrics: spec.metricsPort }) };
  for (const [key, value] of Object.entries(env)) args.push('--env', `${key}=${value}`);
  args.push(spec.image);
  return args;
}

export async function runContainer(spec: RunSpec, signal?: AbortSignal): Promise<string> {
  const result = await docker(runArgs(spec), {
    ...(signal ? { signal } : {}),
    errorCode: 'SHOVEL_ERR_DOCKER_RUN',
    errorMessage: `Could not start container ${spec.name}.`,
  });
  return result.stdout.trim();
}

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  version: string;
  port: number | undefined;
  metricsPort: number | undefined;
  running: boolean;
  status: string;
  exitCode: number;
  startedAt: string;
  health?: string;
}

interface InspectJson {
  Id: string;
  Name: string;
  Config: { Image: string; Labels?: Record<string, string> | null };
  State: { Running: boolean; Status: string; ExitCode: number; StartedAt: string; Health?: { Status: string } };
}

function toInfo(raw: InspectJson): ContainerInfo {
  const labels = raw.Config.Labels ?? {};
  const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  return {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ''),
    image: raw.Config.Image,
    version: labels[LABEL_VERSION] ?? '',
    port: num(labels[LABEL_PORT]),
    metricsPort: num(labels[LABEL_METRICS_PORT]),
    running: raw.State.Running,
    status: raw.State.Status,
    exitCode: raw.State.ExitCode,
    startedAt: raw.State.StartedAt,
    ...(raw.State.Health ? { health: raw.State.Health.Status } : {}),
  };
}

export async function inspectContainers(ids: readonly string[]): Promise<ContainerInfo[]> {
  if (ids.length === 0) return [];
  const result = await docker(['container', 'inspect', ...ids], { allowFailure: true });
  if (!result.ok) return [];
  return (JSON.parse(result.stdout) as InspectJson[]).map(toInfo);
}

/**
 * Every container (running or not) Shovel started for `service`, newest first. The image
 * carries shovel.service too (build.ts labels it) and containers inherit their image's labels,
 * so any other container of the image (a developer's `docker run`, a Marathon task on this
 * host) has it as well: only runArgs sets shovel.port, and both filters must match.
 */
export async function listServiceContainers(service: string): Promise<ContainerInfo[]> {
  const filters = ['--filter', `label=${LABEL_SERVICE}=${service}`, '--filter', `label=${LABEL_PORT}`];
  const ps = await docker(['ps', '--all', '--quiet', '--no-trunc', ...filters]);
  const ids = ps.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  const infos = await inspectContainers(ids);
  return infos.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export async function containerNameTaken(name: string): Promise<boolean> {
  const result = await docker(['container', 'inspect', '--format', '{{.Id}}', name], { allowFailure: true });
  return result.ok;
}

export async function stopContainer(id: string, timeoutSeconds: number): Promise<void> {
  await docker(['stop', '--time', String(timeoutSeconds), id]);
}

export async function removeContainer(id: string): Promise<void> {
  await docker(['rm', '--force', id], { allowFailure: true });
}

export async function containerLogs(id: string, lines = 30): Promise<string> {
  const result = await docker(['logs', '--tail', String(lines), id], { allowFailure: true });
  return result.all;
}

export async function imageExists(ref: string): Promise<boolean> {
  const result = await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { allowFailure: true });
  return result.ok;
}
