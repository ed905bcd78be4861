/**
 * `shovel rollback [version]`: put an earlier version back, through the same health gate as a
 * release. Without a version: the one before what serves now.
 * - docker: the earlier image (still in the local engine: nothing is pulled) replaces the
 *   current instances one at a time on the same host ports, through the same health gate;
 *   a failure puts the current ones back. Versions come from .shovel/releases.log
 *   (successful releases only).
 * - marathon: PUT {id, version} (Marathon's own rollback), then the same wait as a release.
 */
import { appIdOf, type ShovelConfig } from '../config/schema.js';
import { imageExists } from '../docker/containers.js';
import { isValidTag } from '../docker/tag.js';
import { InterruptedError, StepError, UsageError } from '../errors.js';
import { MarathonClient } from '../marathon/client.js';
import type { MarathonAuth } from '../marathon/types.js';
import { startRollback } from '../marathon/deploy.js';
import { waitForDeployment } from '../marathon/wait.js';
import type { Progress } from '../ui/progress.js';
import { deployToDocker, runningContainers, type DockerDeployment } from './docker-target.js';
import { readReleaseLog, trustedHealthy, type ReleaseRecord } from './record.js';
import { notDeployed } from './status.js';

/** Image tags that once served healthy on the docker target, newest first, without repeats. */
export function healthyDockerVersions(log: Awaited<ReturnType<typeof readReleaseLog>>, service: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of [...log].reverse()) {
    if (r.target !== 'docker' || r.service !== service || !trustedHealthy(r) || !r.image?.tag) continue;
    if (seen.has(r.image.tag)) continue;
    seen.add(r.image.tag);
    out.push(r.image.tag);
  }
  return out;
}

export async function rollbackDocker(options: {
  cwd: string;
  config: ShovelConfig;
  version?: string;
  deadlineMs: number;
  progress: Progress;
  signal?: AbortSignal;
}): Promise<{ version: string; image: string; from?: string; deployed: DockerDeployment }> {
  const { config, progress } = options;
  const { version, image, from } = await progress.step('Choose version', async (update) => {
    const running = await runningContainers(config.service.id);
    const current = running[0]?.version;
    let version = options.version;
    if (version !== undefined && !isValidTag(version)) {
      throw new UsageError('SHOVEL_ERR_ROLLBACK_VERSION', `"${version}" is not an image tag.`);
    }
    if (!version) {
      const candidates = healthyDockerVersions(await readReleaseLog(options.cwd), config.service.id).filter((v) => v !== current);
      version = candidates[0];
      if (!version) {
        throw new StepError('SHOVEL_ERR_NO_PREVIOUS', 'No earlier healthy release of this service is recorded in .shovel/releases.log.', {
          hint: 'Name the version: shovel rollback <image tag>.',
        });
      }
    }
    const image = `${config.image.repository}:${version}`;
    if (!(await imageExists(image))) {
      throw new StepError('SHOVEL_ERR_IMAGE_GONE', `The image ${image} is not in the local Docker engine.`, {
        hint: 'The docker target never pulls: release that version again instead.',
      });
    }
    update(`${current ?? 'nothing'} -> ${version}`);
    return { version, image, from: current };
  });
  const deployed = await deployToDocker({
    config,
    image,
    tag: version,
    deadlineMs: options.deadlineMs,
    progress,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { version, image, ...(from ? { from } : {}), deployed };
}

function imageOf(definition: Record<string, unknown> | undefined): string | undefined {
  const docker = (definition?.container as { docker?: { image?: unknown } } | undefined)?.docker;
  return typeof docker?.image === 'string' ? docker.image : undefined;
}

export async function rollbackMarathon(options: {
  config: ShovelConfig;
  auth: MarathonAuth | undefined;
  version?: string;
  /** .shovel/releases.log: tells which versions were healthy releases. */
  log: ReleaseRecord[];
  deadlineMs: number;
  force: boolean;
  progress: Progress;
  signal?: AbortSignal;
}): Promise<{ version: string; from: string; deploymentId: string; appVersion: string; image?: string }> {
  const { config, progress, signal } = options;
  const appId = appIdOf(config);
  // The deadline bounds the whole rollback, every request included.
  const client = new MarathonClient({ url: config.marathon.url, ...(options.auth ? { auth: options.auth } : {}) }).bounded(Date.now() + options.deadlineMs);
  const started = Date.now();
  const { target, from, instances, image, definition, currentVersion } = await progress.step('Choose version', async (update) => {
    const app = await client.getApp(appId, signal);
    if (!app) throw notDeployed(appId);
    const current = app.versionInfo?.lastConfigChangeAt ?? app.version;
    const currentImage = imageOf(app);
    const versions = (await client.listVersions(appId, signal)).sort().reverse();
    let target = options.version;
    if (target && !versions.includes(target)) {
      throw new StepError('SHOVEL_ERR_ROLLBACK_VERSION', `Marathon has no version ${target} of ${appId}.`, {
        details: versions.slice(0, 10),
      });
    }
    // "Previous" is the last version that was released AND healthy with another image: a
    // plain "version before the current one" may be a failed release (Marathon keeps those
    // too) or a mere scale. The local log knows which releases were healthy.
    if (!target) {
      const healthy = options.log
        .filter((r) => r.target === 'marathon' && r.appId === appId && trustedHealthy(r))
        .reverse();
      target = healthy.find((r) => r.image.ref && r.image.ref !== currentImage && versions.includes(r.marathon!.appVersion!))?.marathon
        ?.appVersion;
    }
    if (!target) {
      // No log (released from elsewhere): the newest older version with a different image.
      for (const v of versions.filter((v) => v < current)) {
        if (imageOf(await client.getVersion(appId, v, signal)) !== currentImage) {
          target = v;
          progress.warn(`No healthy release of another image in .shovel/releases.log: using version ${v}, the newest with another image.`);
          break;
        }
      }
    }
    if (!target) throw new StepError('SHOVEL_ERR_NO_PREVIOUS', `${appId} has no earlier version with another image than ${currentImage ?? 'the current one'}.`);
    const definition = await client.getVersion(appId, target, signal);
    const image = imageOf(definition);
    update(`${current} -> ${target}${image ? ` (${image})` : ''}`);
    return { target, from: current, instances: typeof definition.instances === 'number' ? definition.instances : app.instances, image, definition, currentVersion: app.version };
  });
  return progress.step('Deploy and wait', async (update) => {
    // Sent once, again after a 5xx; a PUT whose reply was lost is recognised, not repeated.
    const ref = await startRollback({ client, appId, until: started + options.deadlineMs, ...(signal ? { signal } : {}) }, { version: target, definition }, { version: currentVersion }, options.force);
    const result = await waitForDeployment(client, {
      appId,
      deploymentId: ref.deploymentId,
      version: ref.version,
      instances,
      deadlineMs: Math.max(0, started + options.deadlineMs - Date.now()),
      onProgress: (healthy, total, detail) => update(`${healthy}/${total} healthy${detail ? `, ${detail}` : ''}`),
      ...(signal ? { signal } : {}),
    });
    if (result.outcome === 'failure' && result.kind === 'interrupted') {
      throw new InterruptedError(`Interrupted while waiting for the rollback of ${appId} to ${target} (deployment ${ref.deploymentId} may still be running: see shovel status).`);
    }
    if (result.outcome !== 'success') {
      throw new StepError('SHOVEL_ERR_ROLLBACK_FAILED', `Rollback of ${appId} to ${target} did not become healthy: ${result.reason}.`, {
        ...(result.lastTaskFailure ? { details: [`last task failure: ${result.lastTaskFailure.state ?? ''} ${result.lastTaskFailure.message ?? ''}`] } : {}),
        hint: `Deployment ${ref.deploymentId} (version ${ref.version}) may still be running: see shovel status; try again with shovel rollback ${target} --force, or cancel it: curl -fsS -X DELETE${client.curlAuth ? ` ${client.curlAuth}` : ''} '${client.url}/v2/deployments/${ref.deploymentId}?force=true'.`,
      });
    }
    return { version: target, from, deploymentId: ref.deploymentId, appVersion: ref.version, ...(image ? { image } : {}) };
  });
}
