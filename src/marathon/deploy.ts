/**
 * One release on Marathon: PUT the new definition, wait until it is serving and healthy, and
 * otherwise put the previous version back before reporting the failure. Resolving means
 * "new version serving and healthy"; every other outcome throws an error that says what was
 * left running and, when Marathon could not be reached, the exact command that finishes the
 * job.
 * - The deadline bounds everything after the PUT, the rollback included: the new version gets
 *   the deadline minus a reserve kept for the rollback, and every request ends by the
 *   deadline. (Waiting for someone else's lock comes before: nothing has changed yet.)
 * - Our deployment is recognised by its id AND version. After a lost, slow or cut-off PUT
 *   reply the PUT is not simply sent again (the second one would find the app locked by the
 *   first one's deployment): the app is read back, and a definition that is ours at a new
 *   version, with a deployment of that version, is ours.
 * - SIGINT/SIGTERM (the caller's signal) during the wait rolls back like any failure, then
 *   ends with an InterruptedError (exit 130).
 */
import { InterruptedError, StepError, type ErrorCode } from '../errors.js';
import { backoffMs, sleep, type MarathonClient } from './client.js';
import { MarathonError, MarathonLockedError } from './errors.js';
import { dialectFor } from './render.js';
import type { DeploymentRef, MarathonApp, MarathonDialect, TaskFailure } from './types.js';
import { assertResidentUpdate, validateAppDefinition } from './validate.js';
import { canonical, FOREIGN_OUTCOMES, waitForDeployment, type WaitResult } from './wait.js';

type ForeignKind = 'superseded' | 'scaled' | 'reverted' | 'deleted';
/** The code of each outcome that is another actor's decision (FOREIGN_OUTCOMES). */
const FOREIGN_CODES = {
  superseded: 'SHOVEL_ERR_MARATHON_SUPERSEDED',
  scaled: 'SHOVEL_ERR_MARATHON_SCALED',
  reverted: 'SHOVEL_ERR_MARATHON_REVERTED',
  deleted: 'SHOVEL_ERR_MARATHON_DELETED',
} as const satisfies Record<ForeignKind, ErrorCode>;

export type DeployPhase = 'lock' | 'deploy' | 'rollback';

export interface DeployOptions {
  appId: string;
  definition: Record<string, unknown>;
  /** Bounds the whole deploy: the wait for the new version AND any rollback. */
  deadlineMs: number;
  /** The part of the deadline kept for a rollback (default: a third). */
  rollbackReserveMs?: number;
  /** Override a deployment holding the app (can leave old and new tasks mixed). */
  force?: boolean;
  /** What a failed FIRST release leaves (there is no earlier version to roll back to). */
  onFirstFailure: 'scale-to-zero' | 'remove';
  onProgress?: (healthy: number, instances: number, detail: string, phase: DeployPhase) => void;
  /**
   * Told, whenever it changes, what an exit right now would leave behind in Marathon and how
   * to finish the job (undefined: nothing).
   */
  onLeftover?: (what: string | undefined) => void;
  signal?: AbortSignal;
  pollIntervalMs?: number;
  /** How long to wait for someone else's deployment to release the app (default: deadlineMs). */
  lockWaitMs?: number;
  /** See WaitOptions.graceMs. */
  graceMs?: number;
  /** See WaitOptions.soakMs. */
  soakMs?: number;
  /**
   * The Marathon version and dialect the definition was rendered for, when the caller already
   * knows them (read once per run, or --dialect): then no GET /v2/info is sent.
   */
  marathon?: { version: string; dialect: MarathonDialect };
}

export interface DeployResult {
  outcome: 'healthy';
  deploymentId: string;
  version: string;
  marathonVersion: string;
  /** Deployments of others that --force cancelled, as "id (version v)". */
  cancelled: string[];
}

/** Sends of the new definition refused by a 5xx or left without an answer, at most. */
const PUT_ATTEMPTS = 4;
/** How far past the deadline the last look at Marathon may end. */
const FINAL_LOOK_MS = 1000;

interface Run {
  /** Bounded by `until` once armed. */
  client: MarathonClient;
  options: DeployOptions;
  appId: string;
  /** Epoch ms: everything ends by then (set by `arm`, when the PUT goes out). */
  until: number;
  /** Epoch ms: the new version's share of the deadline ends. */
  waitUntil: number;
  /** Starts the deadline: called right before each PUT of the new definition. */
  arm(): void;
  progress: NonNullable<DeployOptions['onProgress']>;
  leftover: (what: string | undefined) => void;
}

export async function deployToMarathon(marathon: MarathonClient, options: DeployOptions): Promise<DeployResult> {
  const { appId, definition, signal } = options;
  const reserve = Math.max(0, Math.min(options.rollbackReserveMs ?? Math.round(options.deadlineMs / 3), options.deadlineMs));
  // Until armed, requests are bounded by the lock wait.
  const lockUntil = Date.now() + (options.lockWaitMs ?? options.deadlineMs);
  const run: Run = {
    client: marathon.bounded(lockUntil + options.deadlineMs),
    options,
    appId,
    until: lockUntil + options.deadlineMs,
    waitUntil: lockUntil + options.deadlineMs - reserve,
    arm() {
      run.until = Date.now() + options.deadlineMs;
      run.waitUntil = run.until - reserve;
      // Room for one last look at the deadline.
      run.client = marathon.bounded(run.until + FINAL_LOOK_MS);
    },
    progress: options.onProgress ?? (() => undefined),
    leftover: options.onLeftover ?? (() => undefined),
  };
  const info = options.marathon ?? (await ridingOut(() => run.client.info(signal), lockUntil, options));
  validateAppDefinition(definition, options.marathon?.dialect ?? dialectFor(info.version));
  if (definition.id !== appId) {
    throw new StepError('SHOVEL_ERR_MARATHON_APP_ID', `The definition's id ${String(definition.id)} is not the app ${appId}.`);
  }
  const instances = Number(definition.instances ?? 1);

  const put = await putOurs(run, lockUntil);
  const { previous, ref } = put;
  run.leftover(leftoverText(run, ref, previous, 'running'));
  const waited: WaitResult = await waitForDeployment(run.client, {
    appId,
    deploymentId: ref.deploymentId,
    version: ref.version,
    instances,
    deadlineMs: Math.max(0, run.waitUntil - Date.now()),
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    ...(options.soakMs !== undefined ? { soakMs: options.soakMs } : {}),
    onProgress: (n, total, detail) => run.progress(n, total, detail, 'deploy'),
    ...(signal ? { signal } : {}),
  });
  if (waited.outcome === 'success') {
    run.leftover(undefined);
    return { outcome: 'healthy', deploymentId: ref.deploymentId, version: ref.version, marathonVersion: info.version, cancelled: put.cancelled };
  }
  const what = `Version ${ref.version} of ${appId} (deployment ${ref.deploymentId})`;
  // Someone else's newer change or a deletion: rolling back would undo THEIR change.
  if (FOREIGN_OUTCOMES.has(waited.kind)) {
    run.leftover(undefined);
    throw new StepError(FOREIGN_CODES[waited.kind as ForeignKind], `${what} did not go live: ${waited.reason}. Nothing was rolled back (that would undo the other change).`, {
      details: failureDetails(waited),
    });
  }
  return recover(run, { ref, previous, waited, what, interrupted: put.interrupted || waited.kind === 'interrupted' });
}

/**
 * Puts the previous version back through the same gate (or, on a first release, scales to 0
 * or removes the app), then throws what happened. The caller's signal is not used: after an
 * interrupt the rollback is exactly what must still run (a second interrupt exits at once).
 */
async function recover(
  run: Run,
  failed: { ref: DeploymentRef; previous: MarathonApp | undefined; waited: WaitResult | undefined; what: string; interrupted: boolean },
): Promise<never> {
  const { client, appId, options } = run;
  const { ref, previous, waited, what } = failed;
  const reason = (failed.interrupted ? 'interrupted' : waited?.outcome === 'failure' ? waited.reason : 'failed').replace(/\.+$/, '');
  const details = waited ? failureDetails(waited) : [];
  /** `left`: what is left in Marathon and how to finish; part of the message, so records keep it. */
  const done = (code: ErrorCode, message: string, extra: { details?: string[]; left?: string } = {}): never => {
    run.leftover(undefined);
    const full = extra.left ? `${message} ${extra.left}` : message;
    if (failed.interrupted || options.signal?.aborted) throw new InterruptedError(full);
    throw new StepError(code, full, {
      details: extra.details ?? details,
      ...(extra.left ? { hint: 'shovel status shows what serves now.' } : {}),
    });
  };
  const unreachable = (doing: string, error: unknown): never => {
    const left = leftoverText(run, ref, previous, 'unknown');
    const said = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
    return done('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED', `${what} failed: ${reason}. ${doing}: ${said}.`, {
      left: `Nothing is known about what serves now. ${left}`,
    });
  };
  const rollbackWait = (deploymentId: string, version: string, instances: number) =>
    waitForDeployment(client, {
      appId,
      deploymentId,
      version,
      instances,
      deadlineMs: Math.max(0, run.until - Date.now()),
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      onProgress: (n, total, detail) => run.progress(n, total, detail, 'rollback'),
    });

  // Force-cancel only stops the deployment (no revert deployment that would race the
  // rollback); false means it had ended already. A failure changes nothing either: the
  // forced PUT below cancels it too, and says so if Marathon is out of reach.
  await client.cancelDeployment(ref.deploymentId, { force: true }).catch((error: unknown) => {
    if (!(error instanceof MarathonError)) throw error;
  });

  if (previous) {
    let back: DeploymentRef;
    try {
      // force: the failed deployment may still hold the lock; recovering from a failed
      // deployment is exactly what force is for (marathon-api.md).
      back = await startRollback(scopeOf(run, false), { version: previous.version, definition: previous }, { version: ref.version }, true);
    } catch (error) {
      if (!(error instanceof MarathonError)) throw error;
      return unreachable(`The rollback to ${previous.version} could not be started`, error);
    }
    run.leftover(`Rollback deployment ${back.deploymentId} of ${appId} to version ${previous.version} is running; ${ref.version} was cancelled. ${finishHint(run, previous)}`);
    const rolled = await rollbackWait(back.deploymentId, back.version, previous.instances);
    if (rolled.outcome === 'success') {
      return done('SHOVEL_ERR_MARATHON_ROLLED_BACK', `${what} failed: ${reason}. Rolled back to version ${previous.version}, which is serving and healthy.`);
    }
    return done('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED', `${what} failed: ${reason}. The rollback to ${previous.version} (deployment ${back.deploymentId}, version ${back.version}) failed too: ${rolled.reason}.`, {
      details: [...details, ...failureDetails(rolled).map((d) => `rollback: ${d}`)],
      left: `Deployment ${back.deploymentId} may still be running and the app may be serving nothing. ${finishHint(run, previous)}`,
    });
  }

  // First release: there is nothing to go back to.
  if (options.onFirstFailure === 'remove') {
    let removal: DeploymentRef;
    try {
      removal = await client.deleteApp(appId, { force: true });
    } catch (error) {
      if (!(error instanceof MarathonError)) throw error;
      return unreachable('It was the first release, and removing the app could not be started', error);
    }
    const gone = await waitForRemoval(client, appId, removal.deploymentId, run.until, options.pollIntervalMs ?? 2000);
    if (gone) return done('SHOVEL_ERR_MARATHON_FIRST_RELEASE_FAILED', `${what} failed: ${reason}. It was the first release, so the app was removed.`);
    return done('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED', `${what} failed: ${reason}. It was the first release, and removing the app (deployment ${removal.deploymentId}) did not finish in time.`, {
      left: `Finish with: ${curl(run, 'DELETE', `/v2/apps${appId}?force=true`)}`,
    });
  }
  let scaled: DeploymentRef;
  try {
    scaled = await client.scale(appId, 0, { force: true });
  } catch (error) {
    if (!(error instanceof MarathonError)) throw error;
    return unreachable('It was the first release, and scaling it to 0 could not be started', error);
  }
  run.leftover(`Deployment ${scaled.deploymentId} scaling ${appId} to 0 is running. Check with: shovel status`);
  const down = await rollbackWait(scaled.deploymentId, scaled.version, 0);
  if (down.outcome === 'success') {
    return done('SHOVEL_ERR_MARATHON_FIRST_RELEASE_FAILED', `${what} failed: ${reason}. It was the first release, so the app was scaled to 0 instances (kept for inspection).`);
  }
  return done('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED', `${what} failed: ${reason}. Scaling the first release to 0 (deployment ${scaled.deploymentId}) failed too: ${down.reason}.`, {
    details: [...details, ...failureDetails(down).map((d) => `scale to 0: ${d}`)],
    left: `Finish with: ${curl(run, 'PUT', `/v2/apps${appId}?force=true`, '{"instances":0}')}`,
  });
}

/**
 * PUTs our definition. Without force, a 409 means someone else's deployment holds the app:
 * name it, wait (bounded, riding out 5xx) for it to leave /v2/deployments, read the app again
 * (it changed) and retry. A holder that is OUR deployment (a PUT of ours landed although its
 * reply was lost) is adopted, never waited for.
 */
async function putOurs(run: Run, lockUntil: number): Promise<{ previous: MarathonApp | undefined; ref: DeploymentRef; interrupted: boolean; cancelled: string[] }> {
  const { options, appId } = run;
  const client = run.client;
  const signal = options.signal;
  let refusals = 0;
  const poll = options.pollIntervalMs ?? 2000;
  const lockStarted = Date.now();
  let previous = await ridingOut(() => client.getApp(appId, signal), lockUntil, options);
  // Before anything is sent: Marathon would refuse this update of a resident app (422).
  assertResidentUpdate(appId, previous, options.definition);
  // --force cancels whatever holds the app: say whose work that was.
  const holding = options.force ? (previous?.deployments ?? []).map((d) => d.id) : [];
  const cancelled = holding.length
    ? (await client.listDeployments(signal).catch(() => [])).filter((d) => holding.includes(d.id)).map((d) => `${d.id} (version ${d.version})`)
    : [];
  for (const id of holding) if (!cancelled.some((c) => c.startsWith(id))) cancelled.push(id);
  while (true) {
    try {
      run.arm();
      const put = () => run.client.putApp(appId, options.definition, { ...(options.force ? { force: true } : {}), ...(signal ? { signal } : {}) });
      // A 5xx is an answer: send again (a first PUT that landed after all shows up as a lock by
      // our own deployment, recognised below). No answer at all: look before sending again.
      const ref = await startRecognised(scopeOf(run), put, { sent: options.definition, ...(previous ? { before: previous } : {}) });
      return { previous, ref, interrupted: false, cancelled };
    } catch (error) {
      if (signal?.aborted) {
        // Interrupted while the PUT was out: find out whether it landed, and if so, undo it.
        const landed = await landedRef(scopeOf(run, false), { sent: options.definition, before: previous }).catch(() => undefined);
        if (!landed) throw new InterruptedError(`Interrupted before ${appId} was changed: nothing was deployed.`);
        return { previous, ref: landed, interrupted: true, cancelled };
      }
      // Refused by a 5xx, or no (whole) answer and nothing landed: send it again, with a
      // growing delay, while there is time.
      if (error instanceof MarathonError && !(error instanceof MarathonLockedError) && (error.status === 0 || error.status >= 500)) {
        refusals += 1;
        const delay = error.status >= 500 ? backoffMs(250, refusals) : poll;
        if (Date.now() + delay < lockUntil && refusals < PUT_ATTEMPTS) {
          run.progress(0, 0, `${error.message} Trying again.`, 'lock');
          await sleep(delay, signal).catch(() => undefined);
          continue;
        }
        // Giving up: unless the last one landed after all, nothing was changed.
        const landed = await landedRef(scopeOf(run), { sent: options.definition, ...(previous ? { before: previous } : {}) }, error.deploymentId, 1).catch(() => undefined);
        if (landed) return { previous, ref: landed, interrupted: false, cancelled };
        throw error;
      }
      if (!(error instanceof MarathonLockedError) || options.force) throw error;
      const holders = error.deploymentIds;
      if (Date.now() >= lockUntil) {
        throw new MarathonLockedError(`${appId} is still locked by deployment(s) ${holders.join(', ')} after waiting ${Math.round((Date.now() - lockStarted) / 1000)} s.`, holders, {
          ...(error.hint ? { hint: error.hint } : {}),
        });
      }
      run.progress(0, 0, `locked by deployment(s) ${holders.join(', ')}: waiting for them to finish`, 'lock');
      while (Date.now() < lockUntil) {
        const running = await client.listDeployments(signal).catch((e: unknown) => {
          // A 503 window (leader election) during the wait is ridden out.
          if (e instanceof MarathonError && (e.status === 0 || e.status >= 500) && !signal?.aborted) return undefined;
          throw e;
        });
        if (running && !running.some((d) => holders.includes(d.id))) break;
        await sleep(Math.min(poll, Math.max(0, lockUntil - Date.now())), signal);
      }
      previous = (await ridingOut(() => client.getApp(appId, signal), lockUntil, options)) ?? previous;
    }
  }
}

/**
 * Before the PUT nothing has changed: a leader election or a 5xx window is waited out (until
 * `until`) instead of failing the release.
 */
async function ridingOut<T>(call: () => Promise<T>, until: number, options: DeployOptions): Promise<T> {
  while (true) {
    try {
      return await call();
    } catch (error) {
      const transient = error instanceof MarathonError && (error.status === 0 || error.status >= 500) && !options.signal?.aborted;
      const pause = options.pollIntervalMs ?? 2000;
      if (!transient || Date.now() + pause >= until) throw error;
      await sleep(pause, options.signal);
    }
  }
}

/** Where a deployment-starting call runs: every request of it ends by `until`. */
export interface Scope {
  client: MarathonClient;
  appId: string;
  until: number;
  signal?: AbortSignal;
}

function scopeOf(run: Run, withSignal = true): Scope {
  const signal = withSignal ? run.options.signal : undefined;
  return { client: run.client, appId: run.appId, until: run.until, ...(signal ? { signal } : {}) };
}

interface Expectation {
  /** The definition sent: a landed PUT shows it at a new version. */
  sent?: Record<string, unknown>;
  /** The app before the call. */
  before?: { version: string } | undefined;
  /** A rollback to this definition: a landed one shows it at a new version. */
  rollbackOf?: Record<string, unknown>;
}

/**
 * PUT {id, version} (Marathon's rollback), sent again with backoff after a 5xx (at most
 * PUT_ATTEMPTS times, never past `until`), a landed one recognised like a PUT of ours.
 */
export async function startRollback(scope: Scope, target: { version: string; definition: Record<string, unknown> }, current: { version: string }, force: boolean): Promise<DeploymentRef> {
  const send = () => scope.client.rollback(scope.appId, target.version, { force, ...(scope.signal ? { signal: scope.signal } : {}) });
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRecognised(scope, send, { rollbackOf: target.definition, before: current });
    } catch (error) {
      const refused = error instanceof MarathonError && !(error instanceof MarathonLockedError) && error.status >= 500;
      const delay = backoffMs(250, attempt);
      if (!refused || attempt >= PUT_ATTEMPTS || scope.signal?.aborted || Date.now() + delay >= scope.until) throw error;
      await sleep(delay, scope.signal);
    }
  }
}

/**
 * Runs a call that starts a deployment. When it got no (whole) answer (a timeout, a body cut
 * off after the headers), or it meets a lock held by a deployment of the very change it would
 * have made, the app is read back: a landed call is adopted. A 5xx is an answer: the caller
 * may send again, and a first one that landed after all shows up as such a lock.
 */
async function startRecognised(scope: Scope, start: () => Promise<DeploymentRef>, expected: Expectation): Promise<DeploymentRef> {
  try {
    return await start();
  } catch (error) {
    if (!(error instanceof MarathonError) || scope.signal?.aborted) throw error;
    const uncertain = error.status === 0 || error instanceof MarathonLockedError;
    if (!uncertain) throw error;
    // A 409 is an answer: one look. No answer: look a few times, a slow call may land late.
    const landed = await landedRef(scope, expected, error.deploymentId, error instanceof MarathonLockedError ? 1 : 3).catch(() => undefined);
    if (landed) return landed;
    throw error;
  }
}

/** Our change, if Marathon has it: the app at a new version carrying our definition. */
async function landedRef(scope: Scope, expected: Expectation, deploymentId?: string, looks = 3): Promise<DeploymentRef | undefined> {
  const { client, appId } = scope;
  for (let look = 0; look < looks && Date.now() < scope.until; look++) {
    if (look > 0) await sleep(Math.min(1000, Math.max(0, scope.until - Date.now())));
    const app = await client.getApp(appId);
    if (app && app.version !== expected.before?.version && carries(app, expected)) {
      const deployments = await client.listDeployments();
      const ours = deployments.find((d) => d.version === app.version && (d.affectedApps ?? []).includes(appId)) ?? deployments.find((d) => d.id === deploymentId);
      // No deployment listed: it finished (or never ran); the wait tells which.
      return { deploymentId: ours?.id ?? deploymentId ?? `(none listed for version ${app.version})`, version: app.version };
    }
  }
  return undefined;
}

/** Whether the app's definition is the one we sent (the fields Marathon returns as sent). */
function carries(app: MarathonApp, expected: Expectation): boolean {
  if (expected.rollbackOf) return canonical(stamplessDefinition(app)) === canonical(stamplessDefinition(expected.rollbackOf));
  const sent = expected.sent ?? {};
  const image = (d: Record<string, unknown>) => (d.container as { docker?: { image?: unknown } } | undefined)?.docker?.image;
  for (const key of ['labels', 'env', 'instances', 'cmd', 'args', 'cpus', 'mem'] as const) {
    if (sent[key] === undefined) continue;
    if (canonical({ v: sent[key] }) !== canonical({ v: app[key] })) return false;
  }
  return image(sent) === image(app);
}

/** The definition part of a GET app reply (no tasks, counts or deployments). */
function stamplessDefinition(app: Record<string, unknown>): Record<string, unknown> {
  const { tasks: _t, deployments: _d, tasksRunning: _r, tasksHealthy: _h, tasksStaged: _s, tasksUnhealthy: _u, lastTaskFailure: _l, taskStats: _ts, readinessCheckResults: _rc, ...definition } = app;
  return definition;
}

async function waitForRemoval(client: MarathonClient, appId: string, deploymentId: string, until: number, pollMs: number): Promise<boolean> {
  while (true) {
    try {
      const running = await client.listDeployments();
      if (!running.some((d) => d.id === deploymentId) && (await client.getApp(appId)) === undefined) return true;
    } catch (error) {
      if (!(error instanceof MarathonError)) throw error;
    }
    if (Date.now() >= until) return false;
    await sleep(Math.min(pollMs, Math.max(0, until - Date.now())));
  }
}

/** What is left in Marathon right now, and the commands that finish the job. */
function leftoverText(run: Run, ref: DeploymentRef, previous: MarathonApp | undefined, state: 'running' | 'unknown'): string {
  const where = `Deployment ${ref.deploymentId} of ${run.appId} (version ${ref.version}) ${state === 'running' ? 'is running' : 'may still be running, or its version serving'}.`;
  return `${where} ${finishHint(run, previous, ref.deploymentId)}`;
}

function finishHint(run: Run, previous: MarathonApp | undefined, deploymentId?: string): string {
  const cancel = deploymentId ? `${curl(run, 'DELETE', `/v2/deployments/${deploymentId}?force=true`)}, then ` : '';
  if (previous) {
    return `To put version ${previous.version} back: shovel rollback ${previous.version} --force (or ${cancel}${curl(run, 'PUT', `/v2/apps${run.appId}?force=true`, JSON.stringify({ id: run.appId, version: previous.version }))}).`;
  }
  return run.options.onFirstFailure === 'remove'
    ? `It is the first release; to remove it: ${curl(run, 'DELETE', `/v2/apps${run.appId}?force=true`)}.`
    : `It is the first release; to scale it to 0: ${curl(run, 'PUT', `/v2/apps${run.appId}?force=true`, '{"instances":0}')}.`;
}

function curl(run: Run, method: string, path: string, body?: string): string {
  const auth = run.client.curlAuth;
  return `curl -fsS -X ${method}${auth ? ` ${auth}` : ''}${body ? ` -H 'content-type: application/json' -d '${body}'` : ''} '${run.client.url}${path}'`;
}

function failureDetails(result: WaitResult): string[] {
  if (result.outcome !== 'failure') return [];
  const details = [result.reason];
  const failure: TaskFailure | undefined = result.lastTaskFailure;
  if (failure) {
    details.push(`last task failure: ${failure.state ?? 'unknown state'} at ${failure.timestamp ?? 'unknown time'}: ${failure.message ?? 'no message'}${failure.taskId ? ` (task ${failure.taskId})` : ''}`);
  }
  return details;
}
