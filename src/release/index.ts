/**
 * `shovel release`: Preflight -> Build -> Push -> Render -> Deploy + wait (+ rollback) ->
 * Record. Resolves only when the new version serves and is healthy; every other outcome
 * throws (after rolling back), so exit code 0 means exactly that.
 *
 * Programmatic API (create-shovel --release calls it): `release(options)`.
 */
import { gitState, tagRelease } from './git.js';
import { loadConfig } from '../config/load.js';
import { appIdOf } from '../config/schema.js';
import { buildCommand, buildImage, checkBuildKit, type BuildFacts } from '../docker/build.js';
import { buildLine } from '../docker/build-progress.js';
import { pushImage } from '../docker/push.js';
import { requireDockerLogin } from '../docker/credentials.js';
import {
  checkRegistryReachable,
  loginToTemporaryConfig,
  registryCredentialsFromEnv,
  type RegistrySession,
} from '../docker/registry.js';
import { imageTag, registryHostOf, refVersion, repositoryOfRef } from '../docker/tag.js';
import { imageExists } from '../docker/containers.js';
import { pullImage } from '../docker/pull.js';
import { Progress } from '../ui/progress.js';
import { deployToDocker, preflightDocker } from './docker-target.js';
import { dryRunPlan } from './dry-run.js';
import { marathonAuthFromEnv, prepareMarathon, deployMarathon, releaseLabels } from './marathon-target.js';
import { checkDockerEngine, chooseTarget, readVersionFacts, requireCleanTree, type TargetName } from './preflight.js';
import { appendReleaseLog, failRecord, finishRecord, gitTagName, printRecord, startRecord, type ReleaseRecord } from './record.js';
import { Redactor } from './redact.js';
import { missingShellError, resolveShellValues, unsetShellVariables } from './shell-env.js';
import type { MarathonDialect } from '../marathon/types.js';

export type { ReleaseRecord } from './record.js';

export interface ReleaseOptions {
  /** The service repository (where shovel.yml, package.json and the Dockerfile are). */
  cwd: string;
  /** shovel.yml path, relative to cwd. */
  configPath?: string;
  target?: TargetName;
  /** Print the plan and the rendered app definition; build, push and deploy nothing. */
  dryRun?: boolean;
  /** Write the release record as one JSON line to `stdout` (human output stays on stderr). */
  json?: boolean;
  allowDirty?: boolean;
  /** Marathon: override a deployment that holds the app (409). */
  force?: boolean;
  /** Overrides release.deadlineSeconds of shovel.yml. */
  deadlineSeconds?: number;
  /** Skip GET /v2/info and render this dialect (--dialect). */
  dialect?: MarathonDialect;
  /** The release version (--version), instead of shovel.yml, package.json or git describe. */
  version?: string;
  signal?: AbortSignal;
  /** Where steps are shown; default: a Progress on stderr with secrets redacted. */
  progress?: Progress;
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  /** Told what an exit right now would leave behind on the target (undefined: nothing). */
  onLeftover?: (what: string | undefined) => void;
}

interface Context {
  options: ReleaseOptions;
  env: NodeJS.ProcessEnv;
  progress: Progress;
  redactor: Redactor;
  record: ReleaseRecord;
}

/** Waits for every check, then throws the error of the first one (in their order) that failed. */
async function firstFailure(checks: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(checks)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export async function release(options: ReleaseOptions): Promise<ReleaseRecord> {
  const env = options.env ?? process.env;
  const redactor = Redactor.fromEnv(env);
  // A scope: the record holds the release's steps, not those of work beside it.
  const progress = options.progress?.scope() ?? new Progress({ stream: redactor.stream(process.stderr) });
  const startedAt = new Date();
  const record = startRecord('release', options.target ?? 'docker', startedAt);
  const ctx: Context = { options, env, progress, redactor, record };
  try {
    await run(ctx, startedAt);
    finishRecord(record, startedAt, progress.records.slice());
    const out = redactor.json(record);
    printRecord(out, options);
    return out;
  } catch (error) {
    finishRecord(record, startedAt, progress.records.slice());
    const redacted = redactor.error(error);
    failRecord(record, redacted);
    printRecord(redactor.json(record), options);
    throw redacted;
  }
}

async function run(ctx: Context, startedAt: Date): Promise<void> {
  const { options, progress, record, env } = ctx;
  const signal = options.signal;

  // Preflight ------------------------------------------------------------------------------
  const pre = await progress.step('Preflight', async (update) => {
    update('shovel.yml');
    const loaded = await loadConfig(options.cwd, options.configPath);
    // Build arguments may read the releasing shell (`${VAR}`): resolved now, so a missing one
    // fails before anything is built, and redacted from every output as secrets are.
    const shell = resolveShellValues(loaded.config.build.args, env);
    const target0 = chooseTarget(loaded.config, options.target);
    const missing = [...new Set([...shell.missing, ...unsetShellVariables(loaded.config, env, target0)])];
    if (missing.length > 0) {
      throw missingShellError(missing);
    }
    ctx.redactor.add(shell.secrets);
    // Marathon gets env values in the app definition; the docker target passes them to the
    // container through the docker client's environment (docker-plan.ts) and resolves them there.
    const envValues = target0 === 'marathon' ? resolveShellValues(loaded.config.env, env) : undefined;
    if (envValues) ctx.redactor.add(envValues.secrets);
    const config = { ...loaded.config, build: { ...loaded.config.build, args: shell.args }, ...(envValues ? { env: envValues.args } : {}) };
    const target = target0;
    record.target = target;
    record.service = config.service.id;
    record.appId = appIdOf(config);
    // An upstream image (image.ref) is deployed as it is: its tag is its version unless one is set.
    const upstream = config.image.ref;
    const repository = upstream ? repositoryOfRef(upstream) : config.image.repository;
    const registry = registryHostOf(repository);
    const deadlineMs = (options.deadlineSeconds ?? config.release.deadlineSeconds) * 1000;
    // An upstream image on Marathon needs no local engine at all: the agents pull it. Nothing
    // is pushed for an upstream image: the registry is the agents' (or docker pull's) business.
    const engineNeeded = !options.dryRun && !(upstream && target === 'marathon');
    const pushes = !options.dryRun && !upstream;

    // The looks below are independent of each other: they run at the same time, and the first
    // one that fails, in this order, is the error: the tree, Marathon, the app definition, the
    // engine, BuildKit, the registry.
    update(['git', target === 'marathon' && 'marathon', engineNeeded && 'docker engine', pushes && `BuildKit, registry ${registry}`].filter(Boolean).join(', '));
    const facts = (async () => {
      const pkg = await readVersionFacts(options.cwd, { override: options.version, configured: config.version ?? (upstream ? refVersion(upstream) : undefined) });
      const git = await gitState(options.cwd);
      record.git = { sha: git.sha, dirty: git.dirty };
      if (git.dirty && !options.allowDirty) {
        if (options.dryRun) progress.warn('The working tree has uncommitted changes: a real release needs --allow-dirty.');
        else requireCleanTree(git);
      }
      return { pkg, git };
    })();
    const marathonPlan =
      target === 'marathon'
        ? prepareMarathon(config, { auth: marathonAuthFromEnv(env), ...(options.dialect ? { dialect: options.dialect } : {}), ...(signal ? { signal } : {}) })
        : Promise.resolve(undefined);
    const engine = engineNeeded ? checkDockerEngine(signal) : Promise.resolve();
    const buildKit = pushes ? checkBuildKit(signal) : Promise.resolve();
    const credentials = registryCredentialsFromEnv(env);
    const login = pushes
      ? (async (): Promise<RegistrySession | undefined> => {
          const reach = await checkRegistryReachable(registry, signal ? { signal } : {});
          if (reach.authRequired && !credentials) await requireDockerLogin(registry, env, signal);
          return credentials ? loginToTemporaryConfig(registry, credentials, signal ? { signal } : {}) : undefined;
        })()
      : Promise.resolve(undefined);
    // Each is awaited below, in order; one that fails after an earlier failure is not news.
    for (const look of [facts, marathonPlan, engine, buildKit, login]) look.catch(() => undefined);
    // A login that worked is undone when the release stops here.
    const undoLogin = async (error: unknown): Promise<never> => {
      await (await login.catch(() => undefined))?.dispose();
      throw error;
    };
    let session: RegistrySession | undefined;
    try {
      await firstFailure([facts, marathonPlan]);
      const { pkg, git } = await facts;
      const marathon = await marathonPlan;
      const tag = imageTag({ version: pkg.version, sha: git.sha, ...(git.dirty ? { dirtyAt: startedAt } : {}) });
      record.image = { repository, tag, ref: upstream ?? `${repository}:${tag}` };
      if (marathon) {
        record.marathon = { url: config.marathon.url, version: marathon.version, dialect: marathon.dialect };
        // The definition the deploy sends, rendered and validated now: a refused one fails
        // before anything is built.
        update('app definition');
        marathon.render(record.image.ref, releaseLabels(tag, git.sha));
      }
      await firstFailure([engine, buildKit, login]);
      session = await login;
      if (target === 'docker' && !options.dryRun) {
        // Ports, networking and the containers it replaces, before anything is built; the
        // values it passes from the shell are secrets like any other.
        update('docker target');
        const plan = await preflightDocker(config, { image: record.image.ref, tag, env });
        ctx.redactor.add(Object.values(plan.clientEnv));
      }
    } catch (error) {
      await undoLogin(error);
    }
    const { pkg, git } = await facts;
    return { config, pkg, git, tag: record.image.tag, registry, deadlineMs, marathon: await marathonPlan, session };
  });

  const { config, pkg, git, tag, registry, deadlineMs, marathon, session } = pre;
  const ref = record.image.ref;
  const nodeImage = env.SHOVEL_NODE_IMAGE || config.image.nodeImage;
  // One set of build facts: the dry run prints the command they make, the run runs it.
  const description = config.service.description ?? pkg.description;
  const build: BuildFacts = {
    ref,
    ...(nodeImage ? { nodeImage } : {}),
    version: pkg.version,
    revision: git.sha,
    created: startedAt.toISOString(),
    ...(description ? { description } : {}),
    title: config.service.id,
    service: config.service.id,
    dockerfile: config.build.dockerfile,
    context: config.build.context,
    ...(config.build.target ? { target: config.build.target } : {}),
    args: config.build.args,
  };

  if (options.dryRun) {
    dryRunPlan(record, config, { build, deadlineMs, marathon, ref, tag }, {
      progress,
      redactor: ctx.redactor,
      env,
      force: Boolean(options.force),
      json: Boolean(options.json),
      stdout: options.stdout ?? process.stdout,
    });
    return;
  }

  if (config.image.ref) {
    progress.skip('Build', `image.ref ${ref} is deployed as it is`);
    if (record.target === 'docker') {
      await progress.step('Pull', async (update) => {
        update(ref);
        if (await imageExists(ref)) update(`${ref} is already in the engine`);
        else await pullImage(ref, signal);
      });
    } else progress.skip('Push', `the agents pull ${ref}`);
  } else try {
    // Build + Push ---------------------------------------------------------------------------
    await progress.step('Build', async (update) => {
      record.commands = [buildCommand(build)];
      await buildImage(
        build,
        {
          contextDir: options.cwd,
          ...(signal ? { signal } : {}),
          onLine: (line) => {
            const shown = buildLine(line);
            if (shown) update(shown);
          },
        },
      );
    });
    const { digest } = await progress.step('Push', async (update) => {
      update(ref);
      return pushImage({ repository: config.image.repository, tag, registry, ...(session ? { env: session.env } : {}), ...(signal ? { signal } : {}) });
    });
    record.image.digest = digest;
  } finally {
    await session?.dispose();
  }

  // Deploy, wait, roll back --------------------------------------------------------------------
  if (record.target === 'docker') {
    progress.skip('Render', 'docker target has no app definition');
    const deployed = await deployToDocker({ config, image: ref, tag, deadlineMs, progress, env, ...(signal ? { signal } : {}) });
    record.commands = [...(record.commands ?? []), ...deployed.commands];
    record.docker = {
      container: deployed.container,
      containers: deployed.instances.map((i) => i.container),
      containerId: deployed.containerId,
      port: deployed.port,
      metricsPort: deployed.metricsPort,
      stopped: deployed.stopped,
    };
    record.url = deployed.url;
  } else if (marathon) {
    const result = await deployMarathon(config, marathon, {
      image: ref,
      labels: releaseLabels(tag, git.sha),
      deadlineMs,
      force: Boolean(options.force),
      progress,
      ...(signal ? { signal } : {}),
      ...(options.onLeftover ? { onLeftover: options.onLeftover } : {}),
    });
    // deployMarathon resolves only when every task runs this version, healthy.
    record.marathon = { ...record.marathon!, deploymentId: result.deploymentId, appVersion: result.version, healthGate: 'tasks' };
    if (config.publicHost) record.url = `https://${config.publicHost}`;
  }
  record.outcome = 'healthy';

  // Record: the release already succeeded; failing to record it is a warning, not a failure.
  await progress
    .step('Record', async (update) => {
      const snapshot = ctx.redactor.json({ ...record, steps: progress.records.slice() });
      update(gitTagName(tag));
      await tagRelease(options.cwd, gitTagName(tag), `Release ${ref}\n\n${JSON.stringify(snapshot, null, 2)}\n`);
      await appendReleaseLog(options.cwd, snapshot);
    })
    .catch((error: unknown) => progress.warn(`Could not record the release: ${ctx.redactor.text(String((error as Error).message))}`));

  progress.info(`Released ${ref} (${record.target})${record.url ? `: ${record.url}` : ''}`);
}

export { rollback, status, type RollbackOptions } from './operations.js';
export type { ServiceStatus } from './status.js';
