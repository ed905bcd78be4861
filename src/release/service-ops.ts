/**
 * `shovel logs`, `shovel history` and `shovel stop` as programmatic operations (the CLI is a
 * thin layer over them).
 *
 * - logs: the output of the service's containers on the docker target (Marathon keeps task
 *   output in the Mesos sandbox of each agent, out of Shovel's reach);
 * - history: the releases and rollbacks recorded in .shovel/releases.log, newest first;
 * - stop: a graceful stop of every instance. Docker: `docker stop` with the kill grace period,
 *   containers kept (a later release replaces them); Marathon: scaled to 0 instances, which
 *   kills each task with its kill grace period, and waited for until no task is left.
 */
import { loadConfig } from '../config/load.js';
import { appIdOf, type ShovelConfig } from '../config/schema.js';
import { listServiceContainers, setRestartPolicy, stopContainer, streamLogs, type ContainerInfo } from '../docker/containers.js';
import { StepError, UsageError } from '../errors.js';
import { MarathonClient } from '../marathon/client.js';
import type { MarathonAuth } from '../marathon/types.js';
import { Progress } from '../ui/progress.js';
import { pollUntil } from '../util/poll.js';
import { marathonAuthFromEnv } from './marathon-target.js';
import { loadTarget, operationEnv, type CommonOptions } from './operation.js';
import type { TargetName } from './preflight.js';
import { readReleaseLog, type ReleaseRecord } from './record.js';
import { notDeployed } from './status.js';

// logs -----------------------------------------------------------------------------------------

export interface LogsOptions extends CommonOptions {
  follow?: boolean;
  /** Lines from the end of each container's output (default: all). */
  tail?: number;
  /** Every line, prefixed with its container's name when there are several. */
  onLine: (line: string) => void;
}

/** The containers whose output `shovel logs` shows: the running ones, else the newest stopped ones. */
export function logContainers(containers: readonly ContainerInfo[]): ContainerInfo[] {
  const running = containers.filter((c) => c.running);
  if (running.length > 0) return running.sort((a, b) => a.instance - b.instance);
  const newest = containers[0]?.version;
  return containers.filter((c) => c.version === newest).sort((a, b) => a.instance - b.instance);
}

export async function logs(options: LogsOptions): Promise<{ containers: string[] }> {
  const { redactor } = operationEnv(options);
  try {
    const { config, target } = await loadTarget(options);
    if (target !== 'docker') {
      throw new UsageError('SHOVEL_ERR_USAGE', 'shovel logs reads the docker target only: on Marathon, task output stays in the Mesos sandbox of each agent.', {
        hint: 'Use --target docker for the local engine, or the Mesos UI for Marathon tasks.',
      });
    }
    const chosen = logContainers(await listServiceContainers(config.service.id));
    if (chosen.length === 0) throw notDeployed(appIdOf(config)).attachStep('Logs');
    const prefix = chosen.length > 1;
    await Promise.all(
      chosen.map((c) =>
        streamLogs(c.id, {
          follow: Boolean(options.follow),
          ...(options.tail !== undefined ? { tail: options.tail } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          onLine: (line) => options.onLine(redactor.text(prefix ? `${c.name} | ${line}` : line)),
        }),
      ),
    );
    return { containers: chosen.map((c) => c.name) };
  } catch (error) {
    throw redactor.error(error);
  }
}

// history --------------------------------------------------------------------------------------

export interface HistoryEntry {
  startedAt: string;
  kind: ReleaseRecord['kind'];
  outcome: ReleaseRecord['outcome'];
  target: ReleaseRecord['target'];
  version: string;
  durationMs?: number;
  url?: string;
  error?: string;
}

export function historyOf(log: readonly ReleaseRecord[], service: string, target?: TargetName): HistoryEntry[] {
  return log
    .filter((r) => r.service === service && r.outcome !== 'dry-run' && (!target || r.target === target))
    .map((r) => ({
      startedAt: r.startedAt,
      kind: r.kind,
      outcome: r.outcome,
      target: r.target,
      version: r.image?.tag || r.marathon?.appVersion || '',
      ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
      ...(r.url ? { url: r.url } : {}),
      ...(r.error ? { error: `${r.error.code}${r.error.step ? ` in ${r.error.step}` : ''}` } : {}),
    }))
    .reverse();
}

export async function history(options: CommonOptions): Promise<{ service: string; entries: HistoryEntry[] }> {
  const { config } = await loadConfig(options.cwd, options.configPath);
  return { service: config.service.id, entries: historyOf(await readReleaseLog(options.cwd), config.service.id, options.target) };
}

export function formatHistory(result: { service: string; entries: HistoryEntry[] }): string {
  if (result.entries.length === 0) return `No release of ${result.service} is recorded in .shovel/releases.log.\n`;
  const rows = result.entries.map((e) => [
    e.startedAt.replace(/\.\d+Z$/, 'Z'),
    e.kind,
    e.outcome,
    e.target,
    e.version,
    e.durationMs !== undefined ? `${(e.durationMs / 1000).toFixed(1)}s` : '',
    e.error ?? e.url ?? '',
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
}

// stop -----------------------------------------------------------------------------------------

export interface StopOptions extends CommonOptions {
  deadlineSeconds?: number;
  progress?: Progress;
}

export interface StopResult {
  service: string;
  appId: string;
  target: TargetName;
  /** Docker: the containers stopped; Marathon: the tasks the app had. */
  stopped: string[];
}

export async function stop(options: StopOptions): Promise<StopResult> {
  const { env, redactor } = operationEnv(options);
  const progress = options.progress ?? new Progress({ stream: redactor.stream(process.stderr) });
  try {
    const { config, target } = await loadTarget(options);
    const deadlineMs = (options.deadlineSeconds ?? config.release.deadlineSeconds) * 1000;
    const base = { service: config.service.id, appId: appIdOf(config), target };
    const stopped =
      target === 'docker'
        ? await stopDocker(config, progress)
        : await stopMarathon(config, marathonAuthFromEnv(env), deadlineMs, progress, options.signal);
    return redactor.json({ ...base, stopped });
  } catch (error) {
    throw redactor.error(error);
  }
}

async function stopDocker(config: ShovelConfig, progress: Progress): Promise<string[]> {
  return progress.step('Stop', async (update) => {
    const running = (await listServiceContainers(config.service.id)).filter((c) => c.running);
    if (running.length === 0) {
      update('nothing was running');
      return [];
    }
    // One at a time, like a release: a stateful service flushes within its grace period.
    for (const c of running) {
      update(`stopping ${c.name} (grace ${config.killGracePeriodSeconds}s)`);
      // Stopped means stopped: restart policy "always" would bring it back with the engine.
      await setRestartPolicy(c.id, { name: 'no' });
      await stopContainer(c.id, config.killGracePeriodSeconds);
    }
    update(`stopped ${running.map((c) => c.name).join(', ')}`);
    return running.map((c) => c.name);
  });
}

async function stopMarathon(config: ShovelConfig, auth: MarathonAuth | undefined, deadlineMs: number, progress: Progress, signal?: AbortSignal): Promise<string[]> {
  const appId = appIdOf(config);
  const client = new MarathonClient({ url: config.marathon.url, ...(auth ? { auth } : {}) }).bounded(Date.now() + deadlineMs);
  return progress.step('Stop', async (update) => {
    const app = await client.getApp(appId, signal);
    if (!app) throw notDeployed(appId);
    const tasks = (app.tasks ?? []).map((t) => String((t as { id?: unknown }).id ?? ''));
    update(`scaling ${appId} to 0 (${tasks.length} task(s))`);
    const ref = await client.scale(appId, 0, signal ? { signal } : {});
    const result = await pollUntil(
      async () => {
        const now = await client.getApp(appId, signal);
        const left = now?.tasks?.length ?? 0;
        const busy = (now?.deployments ?? []).some((d) => d.id === ref.deploymentId);
        update(`${left} task(s) left`);
        return left === 0 && !busy ? 'done' : undefined;
      },
      () => 'deadline' as const,
      { intervalMs: 1000, deadlineMs, ...(signal ? { signal } : {}) },
    );
    if (result === 'deadline') {
      throw new StepError('SHOVEL_ERR_MARATHON_DEADLINE', `${appId} still had tasks ${deadlineMs / 1000}s after it was scaled to 0 (deployment ${ref.deploymentId}).`, {
        hint: 'See shovel status; Marathon keeps killing them.',
      });
    }
    return tasks;
  });
}
