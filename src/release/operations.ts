/**
 * `status` and `rollback` as programmatic operations (the CLI is a thin layer over them):
 * they load the config, choose the target the same way `release` does, and redact secrets
 * from whatever they return or throw.
 */
import { appIdOf } from '../config/schema.js';
import { StepError } from '../errors.js';
import { Progress } from '../ui/progress.js';
import { marathonAuthFromEnv } from './marathon-target.js';
import { loadTarget, operationEnv, type CommonOptions } from './operation.js';
import { appendReleaseLog, failRecord, finishRecord, printRecord, readReleaseLog, startRecord, type ReleaseRecord } from './record.js';
import { rollbackDocker, rollbackMarathon } from './rollback.js';
import { dockerStatus, marathonStatus, type ServiceStatus } from './status.js';

export async function status(options: CommonOptions): Promise<ServiceStatus> {
  const { env, redactor } = operationEnv(options);
  try {
    const { config, target } = await loadTarget(options);
    const result = target === 'docker' ? await dockerStatus(config) : await marathonStatus(config, marathonAuthFromEnv(env), options.signal);
    return redactor.json(result);
  } catch (error) {
    // status runs no step runner: it is its own one step.
    if (error instanceof StepError) error.attachStep('Status');
    throw redactor.error(error);
  }
}

export interface RollbackOptions extends CommonOptions {
  /** Image tag (docker) or Marathon version timestamp; default: the one before the current. */
  version?: string;
  deadlineSeconds?: number;
  force?: boolean;
  json?: boolean;
  progress?: Progress;
  stdout?: NodeJS.WritableStream;
}

export async function rollback(options: RollbackOptions): Promise<ReleaseRecord> {
  const { env, redactor } = operationEnv(options);
  const progress = options.progress?.scope() ?? new Progress({ stream: redactor.stream(process.stderr) });
  const started = new Date();
  const record = startRecord('rollback', options.target ?? 'docker', started);
  const finish = () => finishRecord(record, started, progress.records.slice());
  try {
    const { config, target } = await loadTarget(options);
    Object.assign(record, { target, service: config.service.id, appId: appIdOf(config) });
    const deadlineMs = (options.deadlineSeconds ?? config.release.deadlineSeconds) * 1000;
    const signal = options.signal ? { signal: options.signal } : {};
    if (target === 'docker') {
      const done = await rollbackDocker({ cwd: options.cwd, config, ...(options.version ? { version: options.version } : {}), deadlineMs, progress, ...signal });
      record.image = { repository: config.image.repository, tag: done.version, ref: done.image };
      record.docker = {
        container: done.deployed.container,
        containers: done.deployed.instances.map((i) => i.container),
        containerId: done.deployed.containerId,
        port: done.deployed.port,
        metricsPort: done.deployed.metricsPort,
        stopped: done.deployed.stopped,
      };
      record.url = done.deployed.url;
    } else {
      const done = await rollbackMarathon({
        config,
        auth: marathonAuthFromEnv(env),
        log: await readReleaseLog(options.cwd),
        ...(options.version ? { version: options.version } : {}),
        deadlineMs,
        force: Boolean(options.force),
        progress,
        ...signal,
      });
      const ref = done.image ?? '';
      record.image = { repository: config.image.repository, tag: ref.startsWith(`${config.image.repository}:`) ? ref.slice(config.image.repository.length + 1) : '', ref };
      // rollbackMarathon returns only through the same per-task gate as a release.
      record.marathon = { url: config.marathon.url, deploymentId: done.deploymentId, appVersion: done.appVersion, healthGate: 'tasks' };
      if (config.publicHost) record.url = `https://${config.publicHost}`;
    }
    record.outcome = 'healthy';
    finish();
    const out = redactor.json(record);
    await appendReleaseLog(options.cwd, out).catch((error: unknown) => progress.warn(`Could not record the rollback: ${(error as Error).message}`));
    progress.info(`Rolled back ${record.appId} to ${record.image.tag || record.marathon?.appVersion || ''}${record.url ? `: ${record.url}` : ''}`);
    printRecord(out, options);
    return out;
  } catch (error) {
    finish();
    const redacted = redactor.error(error);
    failRecord(record, redacted);
    printRecord(redactor.json(record), options);
    throw redacted;
  }
}
