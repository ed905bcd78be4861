/**
 * `shovel release --dry-run`: the plan of a release, one line a step, from the same facts the
 * run uses (the build line is the docker build command the run executes), and on Marathon the
 * rendered app definition. Nothing is built, pushed or deployed.
 */
import type { ShovelConfig } from '../config/schema.js';
import { buildCommand, type BuildFacts } from '../docker/build.js';
import { registryCredentialsFromEnv } from '../docker/registry.js';
import { registryHostOf } from '../docker/tag.js';
import type { Progress } from '../ui/progress.js';
import { healthRule, planCommands, planDocker } from './docker-plan.js';
import { putAppRequest, requestLine } from '../marathon/client.js';
import { releaseLabels, type MarathonPlan } from './marathon-target.js';
import { gitTagName, type ReleaseRecord } from './record.js';
import type { Redactor } from './redact.js';

export interface DryRunFacts {
  build: BuildFacts;
  deadlineMs: number;
  marathon: MarathonPlan | undefined;
  ref: string;
  tag: string;
}

export interface DryRunOutput {
  progress: Progress;
  redactor: Redactor;
  env: NodeJS.ProcessEnv;
  /** Marathon: override a deployment that holds the app (409). */
  force: boolean;
  /** --json: the record is the output, the definition is not printed on its own. */
  json: boolean;
  stdout: NodeJS.WritableStream;
}

/** Fills in record.plan (and the Marathon definition), marks the record a dry run, prints the plan. */
export function dryRunPlan(record: ReleaseRecord, config: ShovelConfig, facts: DryRunFacts, out: DryRunOutput): void {
  const deadline = `${facts.deadlineMs / 1000}s`;
  // The same branches as the release: an upstream image (image.ref) is neither built nor pushed.
  const plan = config.image.ref
    ? [
        record.target === 'docker' ? 'Preflight: docker engine' : 'Preflight: nothing local (no build)',
        `Build: skipped, image.ref ${facts.ref} is deployed as it is`,
        record.target === 'docker' ? `Pull: docker pull ${facts.ref}, unless the engine has it` : `Push: skipped, the agents pull ${facts.ref}`,
      ]
    : [
        `Preflight: docker engine, registry ${registryHostOf(config.image.repository)} reachable${registryCredentialsFromEnv(out.env) ? ' and login as $SHOVEL_REGISTRY_USER' : ''}`,
        `Build: ${buildCommand(facts.build)}`,
        `Push: ${facts.ref}`,
      ];
  if (record.target === 'docker') plan.push(...dockerPlanLines(config, facts, out));
  else if (facts.marathon) {
    const definition = facts.marathon.render(facts.ref, releaseLabels(facts.tag, record.git?.sha ?? ''));
    record.marathon = { ...record.marathon!, definition };
    plan.push(
      `Render: app ${record.appId} for Marathon ${facts.marathon.version} (dialect ${facts.marathon.dialect})`,
      `Deploy: ${requestLine(putAppRequest(record.appId ?? '', { force: out.force }), config.marathon.url.replace(/\/+$/, ''))}`,
      `Wait: ${config.resources.instances} healthy task(s) of the new version within ${deadline}, else roll back to the previous version`,
      ...facts.marathon.notes.map((note) => `Note: ${note}`),
    );
  }
  plan.push(`Record: git tag ${gitTagName(facts.tag)} + a line in .shovel/releases.log`);
  record.plan = plan;
  record.outcome = 'dry-run';
  out.progress.info(`Dry run: nothing is built, pushed or deployed. Plan for ${record.target}:`);
  plan.forEach((line, i) => out.progress.info(`  ${i + 1}. ${line}`));
  if (record.marathon?.definition && !out.json) {
    // The app definition is the point of a dry run: stdout, so it can be piped into jq.
    out.stdout.write(`${JSON.stringify(out.redactor.json(record.marathon.definition), null, 2)}\n`);
  }
}

/**
 * The docker lines of the plan: the docker run command of every instance, made by the same
 * function from the same facts as the release (which records the commands it ran in the steps
 * of its record), and how instances are replaced and judged healthy.
 */
export function dockerPlanLines(config: ShovelConfig, facts: Pick<DryRunFacts, 'ref' | 'tag' | 'deadlineMs'>, out: Pick<DryRunOutput, 'env'>): string[] {
  const docker = planDocker(config, { image: facts.ref, tag: facts.tag, env: out.env });
  const grace = config.killGracePeriodSeconds;
  const n = docker.instances.length;
  const until = `${((facts.deadlineMs * 2) / 3 / 1000).toFixed(0)}s (two thirds of the deadline; the rollback has the rest)`;
  return [
    `Replace: ${n === 1 ? 'the instance' : `${n} instances, one at a time (all at once when none of them runs)`}: docker stop -t ${grace} the old one (kept), start the new one on the same host ports${config.volumes.length > 0 ? ' and volumes' : ''}, wait until healthy; on failure remove the new ones and docker start the old ones again`,
    ...planCommands(docker).map((command) => `Deploy: ${command}`),
    `Wait for health: ${healthRule(config)}, within ${until}`,
    `Stop previous: remove the old containers of ${config.service.id} once every new instance is healthy`,
  ];
}
