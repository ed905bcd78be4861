/**
 * Waiting for a Marathon deployment, the part most tools get wrong (marathon-api.md):
 * - a deployment never fails by itself, so Shovel enforces its own deadline;
 * - "gone from /v2/deployments" is not "succeeded", nor even "over": a force-cancel leaves the
 *   tasks as they were, and a new leader reloading its state may not list a running deployment
 *   for a while. App-wide counts (tasksHealthy...) count tasks of EVERY version, so success is
 *   decided task by task: every task runs OUR version, is running and healthy, and there are
 *   exactly as many as WE asked for;
 * - the event stream is a hint to look again sooner, never the source of truth (events arrive
 *   out of order and slow consumers get dropped).
 * `decide` is pure; `waitForDeployment` gathers observations and sleeps between them.
 */
import type { MarathonClient } from './client.js';
import { MarathonError } from './errors.js';
import { followEvents } from './events.js';
import type { MarathonApp, MarathonDeployment, MarathonTask, TaskFailure } from './types.js';

export interface Ours {
  deploymentId: string;
  version: string;
  /** The instance count of the definition WE sent: never another actor's. */
  instances: number;
}

export interface Observation {
  now: number;
  deadline: number;
  appId: string;
  ours: Ours;
  /** GET /v2/deployments, fetched BEFORE the app (see `observe`). */
  deployments: Array<Pick<MarathonDeployment, 'id'> & Partial<Pick<MarathonDeployment, 'version' | 'affectedApps'>>>;
  /** undefined: the app is gone (404). */
  app: MarathonApp | undefined;
  /** Our deployment was listed at least once since the PUT. */
  seenRunning: boolean;
  /** When our deployment was first seen missing (undefined: listed now). */
  goneSince?: number;
  /**
   * How long a missing deployment is taken for a listing gap (a leader reloading its state)
   * while the app is not yet ours and healthy.
   */
  graceMs: number;
  /** Other versions of the app whose definition is exactly ours (see `sameDefinition`). */
  sameVersions?: ReadonlySet<string>;
}

export type FailureKind =
  /** Our definition is live but its tasks did not all become healthy. */
  | 'unhealthy'
  /** Our deployment left the list with old tasks still serving (force-cancelled). */
  | 'cancelled'
  /** Marathon stored our definition but no deployment ever ran it. */
  | 'not-deployed'
  /** Someone else's newer definition replaced ours. */
  | 'superseded'
  /** Someone else changed the instance count of our definition. */
  | 'scaled'
  /** The app is back at an older definition (a revert of our deployment). */
  | 'reverted'
  | 'deleted'
  | 'deadline'
  /** Marathon kept refusing or not answering. */
  | 'marathon'
  /** SIGINT/SIGTERM (the caller's signal). */
  | 'interrupted';

/** Kinds that are another actor's newer decision: rolling back would undo it. */
export const FOREIGN_OUTCOMES: ReadonlySet<FailureKind> = new Set(['superseded', 'scaled', 'reverted', 'deleted']);

export type Decision = 'wait' | 'success' | { failure: string; kind: FailureKind };

/** How the tasks of the app stand against our version. */
export interface TaskSummary {
  ours: number;
  oursHealthy: number;
  oursUnhealthy: number;
  staged: number;
  other: number;
  /** Tasks of other versions that are being killed (TASK_KILLING). */
  otherKilling: number;
  otherVersions: string[];
  text: string;
  /** `text` without the leading count of our healthy tasks. */
  detail: string;
}

const STAGING = new Set(['TASK_STAGING', 'TASK_STARTING', 'TASK_PROVISIONING']);

function isRunning(task: MarathonTask): boolean {
  // 0.x task JSON has no state: a start time means it runs.
  return task.state === undefined ? Boolean(task.startedAt) : task.state === 'TASK_RUNNING';
}

/**
 * Marathon's own rule (core/appinfo/impl/TaskForStatistics.scala): healthy = at least one
 * health result and every one alive. Without health checks, running is all there is.
 */
function isHealthy(task: MarathonTask, hasHealthChecks: boolean): boolean {
  if (!isRunning(task)) return false;
  if (!hasHealthChecks) return true;
  const results = task.healthCheckResults ?? [];
  return results.length > 0 && results.every((r) => r.alive === true);
}

/**
 * Whether a task runs our definition. Marathon stamps a task with the app version it was
 * launched from (Instance.runSpecVersion): a scale keeps the tasks of the last config change
 * and launches new ones at the scale's version, so with our version live, any task from
 * `lastConfigChangeAt` up to our version runs our config (TaskStatsByVersion.scala,
 * `withLatestConfig`). A version known to carry exactly our definition counts too.
 */
export function runsOurs(task: MarathonTask, app: MarathonApp, ours: Ours, same?: ReadonlySet<string>): boolean {
  const v = task.version;
  if (v === undefined) return false;
  if (v === ours.version || same?.has(v)) return true;
  const since = app.version === ours.version ? app.versionInfo?.lastConfigChangeAt : undefined;
  return since !== undefined && v >= since && v <= ours.version;
}

export function summariseTasks(app: MarathonApp, ours: Ours, same?: ReadonlySet<string>): TaskSummary {
  const tasks = app.tasks ?? [];
  const hasHealthChecks = (app.healthChecks?.length ?? 0) > 0;
  const mine = tasks.filter((t) => runsOurs(t, app, ours, same));
  const other = tasks.filter((t) => !runsOurs(t, app, ours, same));
  const oursHealthy = mine.filter((t) => isHealthy(t, hasHealthChecks)).length;
  const oursUnhealthy = mine.filter((t) => isRunning(t) && !isHealthy(t, hasHealthChecks)).length;
  const staged = Math.max(app.tasksStaged ?? 0, tasks.filter((t) => t.state !== undefined && STAGING.has(t.state)).length);
  const otherKilling = other.filter((t) => t.state === 'TASK_KILLING').length;
  const otherVersions = [...new Set(other.map((t) => t.version ?? 'unknown'))].sort();
  const parts = [`${oursHealthy}/${ours.instances} tasks of version ${ours.version} healthy`];
  if (oursUnhealthy) parts.push(`${oursUnhealthy} unhealthy`);
  if (staged) parts.push(`${staged} staged`);
  if (other.length) parts.push(`${other.length} task(s) of version ${otherVersions.join(', ')} still running${otherKilling ? ` (${otherKilling} being killed)` : ''}`);
  return { ours: mine.length, oursHealthy, oursUnhealthy, staged, other: other.length, otherKilling, otherVersions, text: parts.join(', '), detail: parts.slice(1).join(', ') };
}

/** Exactly what exit 0 promises, read from one app snapshot. */
export function isSuccess(app: MarathonApp, ours: Ours, same?: ReadonlySet<string>): boolean {
  if (app.version !== ours.version || app.instances !== ours.instances || !app.tasks) return false;
  const s = summariseTasks(app, ours, same);
  return app.tasks.length === ours.instances && s.other === 0 && s.oursHealthy === ours.instances && s.staged === 0;
}

export function decide(o: Observation): Decision {
  const { app, ours } = o;
  const ourId = ours.deploymentId;
  const listed = o.deployments.some((d) => d.id === ourId) || (app?.deployments ?? []).some((d) => d.id === ourId);
  const overdue = o.now >= o.deadline;
  const late = (what: string): Decision => ({ failure: `not healthy before the deadline: ${what}`, kind: 'deadline' });
  const inGrace = o.goneSince !== undefined && o.now - o.goneSince < o.graceMs;
  /** Other deployments that touch our app (another id: never ours). */
  const others = [
    ...new Set([
      ...o.deployments.filter((d) => d.id !== ourId && (d.affectedApps ?? []).includes(o.appId)).map((d) => d.id),
      ...(app?.deployments ?? []).filter((d) => d.id !== ourId).map((d) => d.id),
    ]),
  ];
  const wait = (what: string): Decision => (overdue ? late(what) : 'wait');

  if (!app) {
    if (listed || inGrace) return wait(`the app is not listed and deployment ${ourId} ${listed ? 'still runs' : 'is gone'}`);
    return { failure: 'the app no longer exists (deleted by another actor?)', kind: 'deleted' };
  }
  if (app.version !== ours.version) {
    const by = others.length ? ` (deployment ${others.join(', ')})` : '';
    if (app.version > ours.version) {
      if (app.versionInfo?.lastConfigChangeAt === ours.version) {
        return { failure: `another actor scaled the app to ${app.instances} instance(s) (version ${app.version}${by}); ${ours.instances} were asked for`, kind: 'scaled' };
      }
      return { failure: `superseded by version ${app.version}${by}: another deployment replaced ours`, kind: 'superseded' };
    }
    return { failure: `the app's definition is back at version ${app.version}${by}: deployment ${ourId} was reverted`, kind: 'reverted' };
  }
  if (app.instances !== ours.instances) {
    return { failure: `another actor set the instance count to ${app.instances}; ${ours.instances} were asked for`, kind: 'scaled' };
  }
  if (isSuccess(app, ours, o.sameVersions) && !listed) return 'success';

  const s = summariseTasks(app, ours, o.sameVersions);
  if (!app.tasks) return wait(`deployment ${ourId} ${listed ? 'still running' : 'gone'}; Marathon did not list the app's tasks`);
  if (listed) return wait(`deployment ${ourId} still running (${s.text})`);
  // Our deployment is not listed. Waiting is only worth it while the app can still converge.
  if (others.length) return wait(`deployment ${others.join(', ')} of the app still running (${s.text})`);
  // Done apart from old tasks Marathon is killing: they end within the kill grace period.
  if (s.oursHealthy === ours.instances && s.staged === 0 && s.other === s.otherKilling) return wait(`old tasks still being killed (${s.text})`);
  if (inGrace) return wait(`deployment ${ourId} not listed (${s.text})`);
  if (!o.seenRunning && s.ours === 0) {
    return { failure: `Marathon stored version ${ours.version} but no deployment of it ever ran (${s.text})`, kind: 'not-deployed' };
  }
  if (s.other > 0 || s.ours < ours.instances) {
    return { failure: `deployment ${ourId} ended without completing, cancelled (${s.text})`, kind: 'cancelled' };
  }
  // All tasks are ours but not all healthy: a task died or turned unhealthy after the switch.
  return { failure: `deployment ${ourId} ended but the app is not healthy (${s.text})`, kind: 'unhealthy' };
}

export interface WaitOptions {
  appId: string;
  deploymentId: string;
  version: string;
  instances: number;
  deadlineMs: number;
  pollIntervalMs?: number;
  /** See Observation.graceMs (default 10 s, never beyond the deadline). */
  graceMs?: number;
  /** Hold success this long, re-checking, so that a flap right after the switch is caught. */
  soakMs?: number;
  /** How long 401/403 answers are ridden out (an expiring token being renewed); default 10 s. */
  authGraceMs?: number;
  onProgress?: (healthy: number, instances: number, detail: string) => void;
  signal?: AbortSignal;
  /** Follow /v2/events to look again early (default true). */
  useEvents?: boolean;
}

export type WaitResult =
  | { outcome: 'success'; app: MarathonApp; polls: number; eventWakeups: number }
  | { outcome: 'failure'; kind: FailureKind; reason: string; lastTaskFailure?: TaskFailure; app?: MarathonApp; error?: unknown; polls: number; eventWakeups: number };

/**
 * At most about one poll a second, however many events arrive; the end of a deployment
 * (deployment_success, deployment_failed: one each) is looked at without waiting for it.
 */
const MIN_POLL_GAP_MS = 1000;
const DEPLOYMENT_ENDS = new Set(['deployment_success', 'deployment_failed']);

export async function waitForDeployment(marathon: MarathonClient, options: WaitOptions): Promise<WaitResult> {
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  // Every request ends by the deadline (plus room for the last look).
  const client = marathon.bounded(deadline + Math.min(pollIntervalMs, 2000));
  const graceMs = options.graceMs ?? 10_000;
  const soakMs = options.soakMs ?? 0;
  const authGraceMs = options.authGraceMs ?? 10_000;
  const ours: Ours = { deploymentId: options.deploymentId, version: options.version, instances: options.instances };
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const wake = new Wakeup();
  const ended = new Wakeup();
  let eventWakeups = 0;
  let polls = 0;
  let lastApp: MarathonApp | undefined;
  let seenRunning = false;
  let goneSince: number | undefined;
  let successSince: number | undefined;
  let authTroubleSince: number | undefined;
  let lastObservation: Observation | undefined;
  const same = new SameDefinition(client, options.appId, ours.version);
  const result = (kind: FailureKind, reason: string, error?: unknown): WaitResult => ({
    outcome: 'failure',
    kind,
    reason,
    ...(lastApp ? { app: lastApp } : {}),
    ...(lastApp?.lastTaskFailure ? { lastTaskFailure: lastApp.lastTaskFailure } : {}),
    ...(error === undefined ? {} : { error }),
    polls,
    eventWakeups,
  });
  const interrupted = () => result('interrupted', 'interrupted', options.signal?.reason);

  if (options.useEvents !== false) {
    void followEvents(client, { appId: options.appId, deploymentId: options.deploymentId, signal }, (eventType) => {
      eventWakeups++;
      if (DEPLOYMENT_ENDS.has(eventType)) ended.fire();
      wake.fire();
    });
  }
  try {
    while (true) {
      if (options.signal?.aborted) return interrupted();
      const pollStarted = Date.now();
      let observation: Observation | undefined;
      try {
        const deployments = await client.listDeployments(options.signal);
        const app = await client.getApp(options.appId, options.signal);
        if (app) await same.learn(app, ours, options.signal);
        polls++;
        authTroubleSince = undefined;
        lastApp = app ?? lastApp;
        const listed = deployments.some((d) => d.id === ours.deploymentId) || (app?.deployments ?? []).some((d) => d.id === ours.deploymentId);
        if (listed) {
          seenRunning = true;
          goneSince = undefined;
        } else {
          goneSince ??= Date.now();
        }
        observation = { now: Date.now(), deadline, appId: options.appId, ours, deployments, app, seenRunning, graceMs: Math.min(graceMs, options.deadlineMs), sameVersions: same.versions, ...(goneSince === undefined ? {} : { goneSince }) };
      } catch (error) {
        if (options.signal?.aborted) return interrupted();
        if (!(error instanceof MarathonError)) throw error;
        // Out of time for even one more look: decide on the last one, as at the deadline.
        if (error.code === 'SHOVEL_ERR_MARATHON_DEADLINE') {
          const last = lastObservation ? decide({ ...lastObservation, now: Math.max(deadline, lastObservation.now) }) : undefined;
          if (last === 'success') return { outcome: 'success', app: lastObservation!.app!, polls, eventWakeups };
          if (last && last !== 'wait') return result(last.kind, last.failure);
          return result('deadline', 'not healthy before the deadline: Marathon was not asked again in time');
        }
        // Hiccups (leader election, a dropped connection, a slow answer) heal by waiting; an
        // auth refusal may be a credential being renewed, for a short while; anything else
        // (400, 404 ...) will not heal.
        const auth = error.status === 401 || error.status === 403;
        if (auth) authTroubleSince ??= Date.now();
        const transient = error.status === 0 || error.status >= 500 || (auth && Date.now() - authTroubleSince! < authGraceMs);
        if (!transient) return result('marathon', `Marathon refused to report on the deployment: ${error.message}`, error);
        if (Date.now() >= deadline) {
          const what = auth ? 'Marathon kept refusing the credentials until the deadline' : 'Marathon did not answer before the deadline';
          return result('marathon', `${what}: ${error.message.replace(/\.+$/, '')}`, error);
        }
      }
      if (observation) {
        lastObservation = observation;
        const decision = decide(observation);
        const app = observation.app;
        if (app) {
          const s = summariseTasks(app, ours, same.versions);
          const state = observation.goneSince === undefined ? 'deployment running' : 'deployment done';
          options.onProgress?.(s.oursHealthy, ours.instances, s.detail ? `${s.detail}, ${state}` : state);
        }
        if (decision === 'success') {
          successSince ??= Date.now();
          if (Date.now() - successSince >= soakMs) return { outcome: 'success', app: app!, polls, eventWakeups };
        } else {
          successSince = undefined;
          if (decision !== 'wait') return result(decision.kind, decision.failure);
        }
      }
      // One last look right at the deadline, so "overdue" is decided on fresh data; events may
      // bring the next look forward, but not closer than MIN_POLL_GAP_MS to the last one.
      const soakEnd = successSince === undefined ? Infinity : successSince + soakMs;
      const wakeAt = Math.min(pollStarted + pollIntervalMs, deadline, soakEnd);
      const earliest = Math.min(pollStarted + MIN_POLL_GAP_MS, wakeAt);
      if (earliest > Date.now()) await ended.wait(earliest - Date.now(), signal);
      await wake.wait(Math.max(0, wakeAt - Date.now()), signal);
    }
  } finally {
    stop.abort();
  }
}

/**
 * Learns which other versions of the app carry exactly our definition (a task launched from
 * one runs what we asked for), asking Marathon once per version.
 */
class SameDefinition {
  readonly versions = new Set<string>();
  private readonly known = new Set<string>();
  private ours: string | undefined;

  constructor(
    private readonly client: MarathonClient,
    private readonly appId: string,
    private readonly version: string,
  ) {}

  async learn(app: MarathonApp, ours: Ours, signal?: AbortSignal): Promise<void> {
    if (app.version !== ours.version) return;
    const unknown = new Set((app.tasks ?? []).flatMap((t) => (t.version && !this.known.has(t.version) && !runsOurs(t, app, ours, this.versions) ? [t.version] : [])));
    for (const v of unknown) {
      this.ours ??= canonical(await this.client.getVersion(this.appId, this.version, signal));
      const theirs = await this.client.getVersion(this.appId, v, signal).catch((error: unknown) => {
        if (error instanceof MarathonError && error.status === 404) return undefined;
        throw error;
      });
      this.known.add(v);
      if (theirs && canonical(theirs) === this.ours) this.versions.add(v);
    }
  }
}

/** A definition as comparable text: without its version stamps, keys sorted. */
export function canonical(definition: Record<string, unknown>): string {
  const { version: _v, versionInfo: _vi, ...rest } = definition;
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sort);
    if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sort((value as Record<string, unknown>)[k])]));
    return value;
  };
  return JSON.stringify(sort(rest));
}

/** A sleep that an event can cut short. */
class Wakeup {
  private pending: (() => void) | undefined;
  private fired = false;
  fire(): void {
    this.fired = true;
    this.pending?.();
  }
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.fired || signal.aborted) {
      this.fired = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.pending = undefined;
        this.fired = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.pending = done;
    });
  }
}
