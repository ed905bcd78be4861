/**
 * `shovel status`: which version serves, how many tasks, are they healthy. Read-only.
 */
import type { ShovelConfig } from '../config/schema.js';
import { appIdOf } from '../config/schema.js';
import { StepError } from '../errors.js';
import { MarathonClient } from '../marathon/client.js';
import type { MarathonAuth, TaskFailure } from '../marathon/types.js';
import { runningContainers, serviceAddress } from './docker-target.js';
import { checksFor, instanceProbes } from './docker-health.js';
import { runProbe } from './health.js';
import type { TargetName } from './preflight.js';

export interface ServiceStatus {
  service: string;
  appId: string;
  target: TargetName;
  /** Image tag (docker) or Marathon app version timestamp; undefined: not deployed. */
  version?: string;
  image?: string;
  instances: number;
  healthy: number;
  tasks: Array<{ id: string; version: string; url?: string; state: string; ready?: boolean; live?: boolean; current?: boolean; dockerHealth?: string }>;
  deployments?: string[];
  lastTaskFailure?: TaskFailure;
}

/** Every configured check of a running container, once; docker's own health status alongside. */
export async function dockerStatus(config: ShovelConfig): Promise<ServiceStatus> {
  const running = await runningContainers(config.service.id);
  const timeoutMs = config.health.timeoutSeconds * 1000;
  const tasks = await Promise.all(
    running.map(async (c) => {
      const probes = instanceProbes(checksFor(c, config), c.ports, c.id);
      const passes = async (name: string) => {
        const p = probes.find((x) => x.name === name);
        return p ? (await runProbe(p.probe, timeoutMs)) === 'ok' : undefined;
      };
      const [ready, live] = await Promise.all([passes('readiness'), passes('liveness')]);
      const { url } = serviceAddress(config, c.ports);
      return {
        id: c.name,
        version: c.version,
        ...(url ? { url } : {}),
        state: c.status,
        ...(ready !== undefined ? { ready } : {}),
        ...(live !== undefined ? { live } : {}),
        ...(c.health ? { dockerHealth: c.health } : {}),
      };
    }),
  );
  const newest = running[0];
  return {
    service: config.service.id,
    appId: appIdOf(config),
    target: 'docker',
    ...(newest ? { version: newest.version, image: newest.image } : {}),
    // What shovel.yml asks for; the tasks list what runs.
    instances: newest ? config.resources.instances : 0,
    // Healthy: every configured check passes and docker does not call it unhealthy.
    healthy: tasks.filter((t) => t.ready !== false && t.live !== false && t.dockerHealth !== 'unhealthy').length,
    tasks,
  };
}

/**
 * Whether a task runs the app's current definition: started at or after its last config
 * change (a later scale changes `version` but not the config). App-wide counts such as
 * tasksHealthy count tasks of every version (TaskStatsByVersion.scala: withLatestConfig).
 */
export function runsCurrentConfig(taskVersion: string, app: { version: string; versionInfo?: { lastConfigChangeAt?: string } }): boolean {
  const since = app.versionInfo?.lastConfigChangeAt ?? app.version;
  return taskVersion !== '' && taskVersion >= since && taskVersion <= app.version;
}

export async function marathonStatus(config: ShovelConfig, auth: MarathonAuth | undefined, signal?: AbortSignal): Promise<ServiceStatus> {
  const client = new MarathonClient({ url: config.marathon.url, ...(auth ? { auth } : {}) });
  const appId = appIdOf(config);
  const app = await client.getApp(appId, signal);
  const base = { service: config.service.id, appId, target: 'marathon' as const };
  if (!app) return { ...base, instances: 0, healthy: 0, tasks: [] };
  const rawTasks = Array.isArray(app.tasks) ? (app.tasks as Array<Record<string, unknown>>) : [];
  const docker = (app.container as { docker?: { image?: string } } | undefined)?.docker;
  const hasHealthChecks = Array.isArray(app.healthChecks) && app.healthChecks.length > 0;
  const tasks = rawTasks.map((t) => {
    const results = Array.isArray(t.healthCheckResults) ? (t.healthCheckResults as Array<{ alive?: boolean }>) : [];
    const version = String(t.version ?? '');
    return {
      id: String(t.id ?? ''),
      version,
      state: String(t.state ?? 'TASK_RUNNING'),
      current: runsCurrentConfig(version, app),
      // With health checks, a task without results yet is not known to be alive.
      ...(hasHealthChecks ? { live: results.length > 0 && results.every((h) => h.alive === true) } : {}),
    };
  });
  return {
    ...base,
    version: app.version,
    ...(docker?.image ? { image: docker.image } : {}),
    instances: app.instances,
    healthy: tasks.filter((t) => t.current && t.state === 'TASK_RUNNING' && t.live !== false).length,
    tasks,
    deployments: (app.deployments ?? []).map((d) => d.id),
    ...(app.lastTaskFailure ? { lastTaskFailure: app.lastTaskFailure } : {}),
  };
}

export function formatStatus(status: ServiceStatus): string {
  if (!status.version) return `${status.appId} is not deployed (${status.target}).`;
  const lines = [
    `${status.appId} (${status.target}) version ${status.version}`,
    ...(status.image ? [`  image: ${status.image}`] : []),
    `  healthy: ${status.healthy}/${status.instances}${status.target === 'marathon' ? ' (tasks of this version)' : ''}`,
  ];
  const older = status.tasks.filter((t) => t.current === false).length;
  if (older > 0) lines.push(`  tasks of other versions: ${older}`);
  for (const t of status.tasks) {
    const health = [
      t.ready === undefined ? '' : `ready=${t.ready ? 'yes' : 'no'}`,
      t.live === undefined ? '' : `live=${t.live ? 'yes' : 'no'}`,
      t.dockerHealth ? `docker=${t.dockerHealth}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(`  - ${t.id} ${t.version} ${t.state}${t.url ? ` ${t.url}` : ''}${health ? ` ${health}` : ''}`);
  }
  if (status.deployments?.length) lines.push(`  deployments running: ${status.deployments.join(', ')}`);
  if (status.lastTaskFailure) {
    const f = status.lastTaskFailure;
    lines.push(`  last task failure: ${f.state ?? ''} ${f.message ?? ''} ${f.timestamp ?? ''}`.trimEnd());
  }
  return lines.join('\n');
}

export function notDeployed(appId: string): StepError {
  return new StepError('SHOVEL_ERR_NOT_DEPLOYED', `${appId} is not deployed.`, { hint: 'Run shovel release first.' });
}
