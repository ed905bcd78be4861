/**
 * One release on Marathon: PUT the new definition, wait until it is serving and healthy, and
 * otherwise put the previous version back before reporting the failure. Resolving means
 * "new version serving and healthy"; every other outcome throws a StepError that says what
 * was left running.
 */
import { InterruptedError, StepError } from '../errors.js';
import { sleep, type MarathonClient } from './client.js';
import { MarathonError, MarathonLockedError } from './errors.js';
import { dialectFor } from './render.js';
import type { MarathonApp, TaskFailure } from './types.js';
import { validateAppDefinition } from './validate.js';
import { FOREIGN_OUTCOMES, waitForDeployment, type WaitResult } from './wait.js';

export type DeployPhase = 'lock' | 'deploy' | 'rollback';

export interface DeployOptions {
  appId: string;
  definition: Record<string, unknown>;
  /** For the new version to become healthy; the rollback gets the same again. */
  deadlineMs: number;
  /** Override a deployment holding the app (can leave old and new tasks mixed). */
  force?: boolean;
  /** What a failed FIRST release leaves (there is no earlier version to roll back to). */
  onFirstFailure: 'scale-to-zero' | 'remove';
  onProgress?: (healthy: number, instances: number, detail: string, phase: DeployPhase) => void;
  signal?: AbortSignal;
  pollIntervalMs?: number;
  /** How long to wait for someone else's deployment to release the app (default: deadlineMs). */
  lockWaitMs?: number;
}

export interface DeployResult {
  outcome: 'healthy';
  deploymentId: string;
  version: string;
  marathonVersion: string;
}

const STEP_DEPLOY = 'marathon deploy';
const STEP_ROLLBACK = 'marathon rollback';

export async function deployToMarathon(client: MarathonClient, options: DeployOptions): Promise<DeployResult> {
  const { appId, definition, signal } = options;
  const progress = options.onProgress ?? (() => undefined);
  const info = await client.info(signal);
  validateAppDefinition(definition, dialectFor(info.version));
  if (definition.id !== appId) {
    throw new StepError('SHOVEL_ERR_MARATHON_APP_ID', STEP_DEPLOY, `The definition's id ${String(definition.id)} is not the app ${appId}.`);
  }
  const instances = Number(definition.instances ?? 1);

  const { previous, ref } = await putWaitingForLock(client, options, progress);
  const waited = await waitForDeployment(client, {
    appId,
    deploymentId: ref.deploymentId,
    version: ref.version,
    instances,
    deadlineMs: options.deadlineMs,
    pollIntervalMs: options.pollIntervalMs,
    onProgress: (n, total, detail) => progress(n, total, detail, 'deploy'),
    signal,
  });
  if (waited.outcome === 'success') {
    return { outcome: 'healthy', deploymentId: ref.deploymentId, version: ref.version, marathonVersion: info.version };
  }
  const what = `Version ${ref.version} of ${appId} (deployment ${ref.deploymentId})`;
  if (waited.kind === 'interrupted') throw new InterruptedError(`Interrupted while waiting for ${what}.`);
  // Someone else's newer deployment or a deletion: rolling back would undo THEIR change.
  if (FOREIGN_OUTCOMES.has(waited.kind)) {
    throw new StepError(`SHOVEL_ERR_MARATHON_${waited.kind.toUpperCase()}`, STEP_DEPLOY, `${what} did not go live: ${waited.reason}. Nothing was rolled back.`, {
      details: failureDetails(waited),
    });
  }

  // Force-cancel only stops the deployment (no revert deployment that would race the
  // rollback); a 404 means it ended meanwhile, which changes nothing below.
  await client.cancelDeployment(ref.deploymentId, { force: true, signal }).catch(() => undefined);

  if (previous) {
    // force: the failed deployment may still hold the lock; recovering from a failed
    // deployment is exactly what force is for (marathon-api.md).
    let back: { deploymentId: string; version: string };
    try {
      back = await client.rollback(appId, previous.version, { force: true, signal });
    } catch (error) {
      // Typically Marathon itself is gone (the reason the wait failed): the new version may
      // be live, half-deployed or gone. Say so, instead of a bare "PUT ... (503)".
      if (signal?.aborted || !(error instanceof MarathonError)) throw error;
      throw new StepError('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED', STEP_ROLLBACK, `${what} failed: ${waited.reason}. The rollback to ${previous.version} could not be started: ${error.message}`, {
        details: failureDetails(waited),
        ...(error.command ? { command: error.command } : {}),
        hint: `Nothing is known about what serves now: inspect the app in Marathon (GET /v2/apps${appId}, its versions and deployments) and roll back with \`shovel rollback\` once Marathon answers.`,
      });
    }
    const rolled = await waitForDeployment(client, {
      appId,
      deploymentId: back.deploymentId,
      version: back.version,
      instances: previous.instances,
      deadlineMs: options.deadlineMs,
      pollIntervalMs: options.pollIntervalMs,
      onProgress: (n, total, detail) => progress(n, total, detail, 'rollback'),
      signal,
    });
    if (rolled.outcome === 'success') {
      throw new StepError('SHOVEL_ERR_MARATHON_ROLLED_BACK', STEP_DEPLOY, `${what} failed: ${waited.reason}. Rolled back to version ${previous.version}, which is serving and healthy.`, {
        details: failureDetails(waited),
      });
    }
    throw new StepError('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED', STEP_ROLLBACK, `${what} failed: ${waited.reason}. The rollback to ${previous.version} (deployment ${back.deploymentId}) failed too: ${rolled.reason}.`, {
      details: [...failureDetails(waited), ...failureDetails(rolled).map((d) => `rollback: ${d}`)],
      hint: `Inspect the app in Marathon now: it may be serving nothing. Its versions: GET /v2/apps${appId}/versions.`,
    });
  }

  // First release: there is nothing to go back to.
  if (options.onFirstFailure === 'remove') {
    const removal = await client.deleteApp(appId, { force: true, signal });
    const gone = await waitForRemoval(client, appId, removal.deploymentId, options.deadlineMs, options.pollIntervalMs ?? 2000, signal);
    throw new StepError(gone ? 'SHOVEL_ERR_MARATHON_FIRST_RELEASE_FAILED' : 'SHOVEL_ERR_MARATHON_ROLLBACK_FAILED', gone ? STEP_DEPLOY : STEP_ROLLBACK, `${what} failed: ${waited.reason}. It was the first release, ${gone ? 'so the app was removed' : 'and removing the app did not finish in time'}.`, {
      details: failureDetails(waited),
    });
  }
  const scaled = await client.scale(appId, 0, { force: true, signal });
  const down = await waitForDeployment(client, {
    appId,
    deploymentId: scaled.deploymentId,
    version: scaled.version,
    instances: 0,
    deadlineMs: options.deadlineMs,
    pollIntervalMs: options.pollIntervalMs,
    onProgress: (n, total, detail) => progress(n, total, detail, 'rollback'),
    signal,
  });
  if (down.outcome === 'success') {
    throw new StepError('SHOVEL_ERR_MARATHON_FIRST_RELEASE_FAILED', STEP_DEPLOY, `${what} failed: ${waited.reason}. It was the first release, so the app was scaled to 0 instances (kept for inspection).`, {
      details: failureDetails(waited),
    });
  }
  throw new StepError('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED', STEP_ROLLBACK, `${what} failed: ${waited.reason}. Scaling the first release to 0 failed too: ${down.reason}.`, {
    details: [...failureDetails(waited), ...failureDetails(down).map((d) => `scale to 0: ${d}`)],
  });
}

/**
 * Without force, a 409 means someone else's deployment holds the app: name it, wait (bounded)
 * for it to leave /v2/deployments, then read the app again (it changed) and retry.
 */
async function putWaitingForLock(
  client: MarathonClient,
  options: DeployOptions,
  progress: NonNullable<DeployOptions['onProgress']>,
): Promise<{ previous: MarathonApp | undefined; ref: { deploymentId: string; version: string } }> {
  const until = Date.now() + (options.lockWaitMs ?? options.deadlineMs);
  const poll = options.pollIntervalMs ?? 2000;
  while (true) {
    const previous = await client.getApp(options.appId, options.signal);
    try {
      const ref = await client.putApp(options.appId, options.definition, { force: options.force, signal: options.signal });
      return { previous, ref };
    } catch (error) {
      if (!(error instanceof MarathonLockedError) || options.force) throw error;
      const holders = error.deploymentIds;
      if (Date.now() >= until) {
        throw new MarathonLockedError(`${options.appId} is still locked by deployment(s) ${holders.join(', ')} after waiting ${Math.round((options.lockWaitMs ?? options.deadlineMs) / 1000)} s.`, holders, {
          hint: error.hint,
        });
      }
      progress(0, 0, `locked by deployment(s) ${holders.join(', ')}: waiting for them to finish`, 'lock');
      while (Date.now() < until) {
        const running = await client.listDeployments(options.signal);
        if (!running.some((d) => holders.includes(d.id))) break;
        await sleep(Math.min(poll, Math.max(0, until - Date.now())), options.signal);
      }
    }
  }
}

async function waitForRemoval(client: MarathonClient, appId: string, deploymentId: string, deadlineMs: number, pollMs: number, signal?: AbortSignal): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (true) {
    const running = await client.listDeployments(signal);
    if (!running.some((d) => d.id === deploymentId) && (await client.getApp(appId, signal)) === undefined) return true;
    if (Date.now() >= until) return false;
    await sleep(Math.min(pollMs, Math.max(0, until - Date.now())), signal);
  }
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
