/**
 * The containers of the docker target. Shovel finds its own containers by label
 * (shovel.service), never by name pattern, so a user's unrelated containers are never stopped.
 *
 * `runArgs` is the one place a `docker run` command line is made: the release runs it and the
 * dry run prints it.
 */
import type { Check } from '../config/schema.js';
import { run } from '../util/exec.js';
import { docker, dockerBinary, formatCommand } from './exec.js';

export const LABEL_SERVICE = 'shovel.service';
export const LABEL_VERSION = 'shovel.version';
export const LABEL_INSTANCE = 'shovel.instance';
/** Set on every container Shovel runs (the host port of its first port, or "none"). */
export const LABEL_PORT = 'shovel.port';
/** Older containers: the host port of the metrics port. */
export const LABEL_METRICS_PORT = 'shovel.metrics-port';
/** `shovel.port.<name>` = `<host port>/<protocol>`, one label a port. */
export const LABEL_PORT_PREFIX = 'shovel.port.';
/** The health checks the container was released with (JSON): a rollback and status judge it by them. */
export const LABEL_HEALTH = 'shovel.health';

export type RestartPolicy = 'no' | 'on-failure' | 'always' | 'unless-stopped';
export type NetworkMode = 'default' | 'host';
export type Protocol = 'tcp' | 'udp';

export interface PublishedPort {
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
}

export type Mount =
  | { type: 'volume'; source: string; target: string }
  | { type: 'bind'; source: string; target: string; readOnly: boolean };

export interface RunSpec {
  name: string;
  image: string;
  /** default: the engine's default network, ports published; host: the host's network. */
  network: NetworkMode;
  /** Published on the default network; with host networking the software binds them itself. */
  publish: PublishedPort[];
  /** Without a value: `--env NAME`, the value comes from the docker client's environment. */
  env: Array<{ name: string; value?: string }>;
  mounts: Mount[];
  labels: Record<string, string>;
  cpus: number;
  memoryMiB: number;
  restart: RestartPolicy;
  /** Docker's SIGTERM -> SIGKILL delay for this container. */
  stopTimeoutSeconds: number;
  /** Run with sh -c instead of the image's command. */
  command?: string;
  /** Arguments to the image's entrypoint. */
  args?: string[];
}

/** One field of --mount (CSV: a field with a comma or a quote is quoted). */
function mountField(key: string, value: string): string {
  const field = `${key}=${value}`;
  return /[",]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

export function mountArg(mount: Mount): string {
  const fields = [`type=${mount.type}`, mountField('source', mount.source), mountField('target', mount.target)];
  if (mount.type === 'bind' && mount.readOnly) fields.push('readonly');
  return fields.join(',');
}

export function runArgs(spec: RunSpec): string[] {
  const args = ['run', '--detach'];
  // Without --network the engine's default network applies (what Docker Desktop supports);
  // host networking is a setting (docker.network, SHOVEL_DOCKER_NETWORK).
  if (spec.network === 'host') args.push('--network', 'host');
  args.push(
    // The docker target never pulls: the image was just built (or kept for a rollback).
    '--pull',
    'never',
    // Many images run their program as PID 1, which does not reap orphans: docker's init does
    // (and passes SIGTERM on, so a graceful stop still runs).
    '--init',
    '--name',
    spec.name,
    '--restart',
    spec.restart,
    '--stop-timeout',
    String(spec.stopTimeoutSeconds),
    '--cpus',
    String(spec.cpus),
    '--memory',
    `${spec.memoryMiB}m`,
  );
  for (const p of spec.publish) args.push('--publish', `${p.hostPort}:${p.containerPort}/${p.protocol}`);
  for (const m of spec.mounts) args.push('--mount', mountArg(m));
  for (const [key, value] of Object.entries(spec.labels)) args.push('--label', `${key}=${value}`);
  for (const e of spec.env) args.push('--env', e.value === undefined ? e.name : `${e.name}=${e.value}`);
  // As Mesos runs a shell command: /bin/sh -c, not the image's entrypoint.
  if (spec.command !== undefined) args.push('--entrypoint', '/bin/sh', spec.image, '-c', spec.command);
  else args.push(spec.image, ...(spec.args ?? []));
  return args;
}

/** The command line as shown to users (and recorded): the one runContainer runs. */
export function runCommand(spec: RunSpec): string {
  return formatCommand(dockerBinary(), runArgs(spec));
}

/** Starts a container; `clientEnv` holds the values of `--env NAME` entries (never on the command line). */
export async function runContainer(spec: RunSpec, clientEnv: Record<string, string>, signal?: AbortSignal): Promise<string> {
  const result = await docker(runArgs(spec), {
    env: clientEnv,
    ...(signal ? { signal } : {}),
    errorCode: 'SHOVEL_ERR_DOCKER_RUN',
    errorMessage: `Could not start container ${spec.name}.`,
  });
  return result.stdout.trim();
}

export interface ContainerPort {
  hostPort: number;
  protocol: Protocol;
}

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  version: string;
  instance: number;
  /** Host ports by port name (from the labels Shovel set). */
  ports: Record<string, ContainerPort>;
  running: boolean;
  status: string;
  exitCode: number;
  startedAt: string;
  restartCount: number;
  restartPolicy: { name: string; maximumRetryCount: number };
  /** Docker's own health status (starting, healthy, unhealthy) when the image has a HEALTHCHECK. */
  health?: string;
  /** The output of the last HEALTHCHECK run. */
  healthOutput?: string;
  /** The checks it was released with (containers of earlier releases have none recorded). */
  checks?: ReleasedChecks;
}

/** Readiness and liveness as shovel.yml gave them for a release. */
export interface ReleasedChecks {
  readiness?: Check;
  liveness?: Check;
}

function checksOfLabel(value: string | undefined): ReleasedChecks | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value) as ReleasedChecks;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

interface InspectJson {
  Id: string;
  Name: string;
  RestartCount?: number;
  Config: { Image: string; Labels?: Record<string, string> | null };
  HostConfig?: { RestartPolicy?: { Name?: string; MaximumRetryCount?: number } };
  State: {
    Running: boolean;
    Status: string;
    ExitCode: number;
    StartedAt: string;
    Health?: { Status: string; Log?: Array<{ Output?: string }> | null };
  };
}

function portsOfLabels(labels: Record<string, string>): Record<string, ContainerPort> {
  const ports: Record<string, ContainerPort> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (!key.startsWith(LABEL_PORT_PREFIX)) continue;
    const m = /^(\d+)\/(tcp|udp)$/.exec(value);
    if (m) ports[key.slice(LABEL_PORT_PREFIX.length)] = { hostPort: Number(m[1]), protocol: m[2] as Protocol };
  }
  if (Object.keys(ports).length > 0) return ports;
  // Containers of earlier releases carry the two ports of the port contract only.
  const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const http = num(labels[LABEL_PORT]);
  const metrics = num(labels[LABEL_METRICS_PORT]);
  if (http !== undefined) ports.http = { hostPort: http, protocol: 'tcp' };
  if (metrics !== undefined) ports.metrics = { hostPort: metrics, protocol: 'tcp' };
  return ports;
}

function toInfo(raw: InspectJson): ContainerInfo {
  const labels = raw.Config.Labels ?? {};
  const instance = labels[LABEL_INSTANCE];
  const log = raw.State.Health?.Log ?? [];
  const lastOutput = log.at(-1)?.Output?.trim();
  const checks = checksOfLabel(labels[LABEL_HEALTH]);
  return {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ''),
    image: raw.Config.Image,
    version: labels[LABEL_VERSION] ?? '',
    instance: instance && /^\d+$/.test(instance) ? Number(instance) : 0,
    ports: portsOfLabels(labels),
    running: raw.State.Running,
    status: raw.State.Status,
    exitCode: raw.State.ExitCode,
    startedAt: raw.State.StartedAt,
    restartCount: raw.RestartCount ?? 0,
    restartPolicy: { name: raw.HostConfig?.RestartPolicy?.Name || 'no', maximumRetryCount: raw.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0 },
    ...(raw.State.Health ? { health: raw.State.Health.Status } : {}),
    ...(lastOutput ? { healthOutput: lastOutput } : {}),
    ...(checks ? { checks } : {}),
  };
}

export async function inspectContainers(ids: readonly string[]): Promise<ContainerInfo[]> {
  if (ids.length === 0) return [];
  const result = await docker(['container', 'inspect', ...ids], { allowFailure: true });
  if (!result.ok) {
    // One of them went away between ps and inspect: ask one by one.
    if (ids.length === 1) return [];
    return (await Promise.all(ids.map((id) => inspectContainers([id])))).flat();
  }
  return (JSON.parse(result.stdout) as InspectJson[]).map(toInfo);
}

/**
 * Every container (running or not) Shovel started for `service`, newest first. The image
 * carries shovel.service too (build.ts labels it) and containers inherit their image's labels,
 * so any other container of the image (a developer's `docker run`, a Marathon task on this
 * host) has it as well: only the docker target's run specs set shovel.port, and both filters must match.
 */
export async function listServiceContainers(service: string): Promise<ContainerInfo[]> {
  const filters = ['--filter', `label=${LABEL_SERVICE}=${service}`, '--filter', `label=${LABEL_PORT}`];
  const ps = await docker(['ps', '--all', '--quiet', '--no-trunc', ...filters]);
  const ids = ps.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  const infos = await inspectContainers(ids);
  return infos.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.instance - b.instance);
}

export async function containerNameTaken(name: string): Promise<boolean> {
  const result = await docker(['container', 'inspect', '--format', '{{.Id}}', name], { allowFailure: true });
  return result.ok;
}

export async function stopContainer(id: string, timeoutSeconds: number): Promise<void> {
  await docker(['stop', '--time', String(timeoutSeconds), id]);
}

export async function startContainer(id: string): Promise<void> {
  await docker(['start', id]);
}

/** Changes the restart policy of an existing container (a stopped `always` one would come back with the engine). */
export async function setRestartPolicy(id: string, policy: { name: string; maximumRetryCount?: number }): Promise<void> {
  const value = policy.name === 'on-failure' && policy.maximumRetryCount ? `on-failure:${policy.maximumRetryCount}` : policy.name;
  await docker(['update', '--restart', value, id]);
}

export async function removeContainer(id: string): Promise<void> {
  await docker(['rm', '--force', id], { allowFailure: true });
}

export async function containerLogs(id: string, lines = 30): Promise<string> {
  const result = await docker(['logs', '--tail', String(lines), id], { allowFailure: true });
  return result.all;
}

/** `docker logs` of one container, line by line (`follow`: until the signal aborts or it stops). */
export async function streamLogs(
  id: string,
  options: { follow: boolean; tail?: number; signal?: AbortSignal; onLine: (line: string) => void },
): Promise<void> {
  const args = ['logs', ...(options.follow ? ['--follow'] : []), ...(options.tail !== undefined ? ['--tail', String(options.tail)] : []), id];
  await docker(args, { onLine: options.onLine, allowFailure: true, ...(options.signal ? { signal: options.signal } : {}) }).catch((error: unknown) => {
    if (!options.signal?.aborted) throw error;
  });
}

/** `docker exec <id> sh -c COMMAND`: exit 0 or the tail of what it printed. */
export async function execInContainer(id: string, command: string, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: boolean; output: string; timedOut: boolean }> {
  const result = await run(dockerBinary(), ['exec', id, 'sh', '-c', command], { timeoutMs, ...(signal ? { signal } : {}) });
  return { ok: result.ok, output: result.all.trim().split('\n').slice(-3).join(' | '), timedOut: result.timedOut };
}

export async function networkExists(name: string): Promise<boolean> {
  const result = await docker(['network', 'inspect', '--format', '{{.Name}}', name], { allowFailure: true });
  return result.ok;
}

export async function imageExists(ref: string): Promise<boolean> {
  const result = await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { allowFailure: true });
  return result.ok;
}
