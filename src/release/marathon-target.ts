/**
 * The Marathon target, as seen from a release: connect, learn the version (it decides the app
 * definition's dialect), render + validate, then hand the deployment, the wait and any
 * rollback to the marathon module (src/marathon/deploy.ts), which owns those rules.
 */
import type { ShovelConfig } from '../config/schema.js';
import { appIdOf, isStateful } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { MarathonClient } from '../marathon/client.js';
import { deployToMarathon } from '../marathon/deploy.js';
import { dialectFor, renderAppDefinition } from '../marathon/render.js';
import { renderNotes } from '../marathon/render-notes.js';
import type { MarathonAuth, MarathonDialect } from '../marathon/types.js';
import { assertResidentUpdate, validateAppDefinition } from '../marathon/validate.js';
import type { Progress } from '../ui/progress.js';

/** MARATHON_TOKEN (DC/OS) or MARATHON_USER + MARATHON_PASSWORD (HTTP Basic); none is allowed. */
export function marathonAuthFromEnv(env: NodeJS.ProcessEnv): MarathonAuth | undefined {
  if (env.MARATHON_TOKEN) return { kind: 'token', token: env.MARATHON_TOKEN };
  const user = env.MARATHON_USER ?? '';
  const password = env.MARATHON_PASSWORD ?? '';
  if (user && password) return { kind: 'basic', user, password };
  if (user || password) {
    throw new UsageError('SHOVEL_ERR_MARATHON_ENV', `${user ? 'MARATHON_PASSWORD' : 'MARATHON_USER'} is not set, but ${user ? 'MARATHON_USER' : 'MARATHON_PASSWORD'} is.`, {
      hint: 'Set both for HTTP Basic auth, or MARATHON_TOKEN for DC/OS.',
    });
  }
  return undefined;
}

export interface MarathonPlan {
  client: MarathonClient;
  /** Marathon's version from GET /v2/info, or "(--dialect)" when it was not asked. */
  version: string;
  dialect: MarathonDialect;
  /** Renders and validates the app definition of `image`. */
  render(image: string, labels: Record<string, string>): Record<string, unknown>;
  /** What the definition leaves to Marathon or loses in this dialect (for the dry-run plan). */
  notes: string[];
}

export async function prepareMarathon(
  config: ShovelConfig,
  options: { auth: MarathonAuth | undefined; dialect?: MarathonDialect; signal?: AbortSignal },
): Promise<MarathonPlan> {
  const client = new MarathonClient({ url: config.marathon.url, ...(options.auth ? { auth: options.auth } : {}) });
  let version = '(--dialect)';
  let dialect = options.dialect;
  if (!dialect) {
    const info = await client.info(options.signal);
    version = info.version;
    dialect = dialectFor(version);
  }
  const chosen = dialect;
  // A service with persistent volumes: Marathon refuses to change its volumes or resources once
  // deployed, so the deployed app is read now and the rendered definition checked against it
  // before anything is built (deploy checks again against the app it replaces).
  const current = isStateful(config) ? await client.getApp(appIdOf(config), options.signal) : undefined;
  return {
    client,
    version,
    dialect: chosen,
    notes: renderNotes(config, chosen),
    render(image, labels) {
      const definition = renderAppDefinition(config, { image, dialect: chosen, labels });
      validateAppDefinition(definition, chosen);
      assertResidentUpdate(appIdOf(config), current, definition);
      return definition;
    },
  };
}

/**
 * Labels of the Marathon app naming what runs, under the OCI names the image carries too
 * (SHOVEL_* and HAPROXY_* labels are reserved by the marathon module).
 */
export function releaseLabels(tag: string, revision: string): Record<string, string> {
  return { 'org.opencontainers.image.version': tag, 'org.opencontainers.image.revision': revision };
}

export interface MarathonDeployResult {
  deploymentId: string;
  version: string;
}

export async function deployMarathon(
  config: ShovelConfig,
  plan: MarathonPlan,
  options: {
    image: string;
    labels: Record<string, string>;
    deadlineMs: number;
    force: boolean;
    progress: Progress;
    signal?: AbortSignal;
    /** See DeployOptions.onLeftover. */
    onLeftover?: (what: string | undefined) => void;
  },
): Promise<MarathonDeployResult> {
  const definition = await options.progress.step('Render', async (update) => {
    update(`dialect ${plan.dialect}`);
    return plan.render(options.image, options.labels);
  });
  return options.progress.step('Deploy and wait', async (update) => {
    const result = await deployToMarathon(plan.client, {
      appId: appIdOf(config),
      definition,
      deadlineMs: options.deadlineMs,
      soakMs: config.release.soakSeconds * 1000,
      force: options.force,
      onFirstFailure: config.release.onFirstFailure,
      // Read once in Preflight (or given by --dialect): no second GET /v2/info.
      marathon: { version: plan.version, dialect: plan.dialect },
      onProgress: (healthy, instances, detail, phase) =>
        update(`${phase === 'rollback' ? 'ROLLING BACK: ' : ''}${healthy}/${instances} healthy${detail ? `, ${detail}` : ''}`),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onLeftover ? { onLeftover: options.onLeftover } : {}),
    });
    if (result.cancelled.length) options.progress.warn(`--force cancelled deployment(s) ${result.cancelled.join(', ')} that held ${appIdOf(config)}.`);
    return { deploymentId: result.deploymentId, version: result.version };
  });
}
