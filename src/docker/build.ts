/**
 * `docker build` of the service image. BuildKit always (the generated Dockerfile uses cache
 * mounts), host networking always (no bridge networks exist on the machines Shovel targets),
 * and the build facts both as build args (the Dockerfile puts them in the image) and as OCI
 * labels (so `docker inspect` answers "which commit is this?" without the Dockerfile's help).
 */
import { StepError } from '../errors.js';
import { docker, dockerBinary, formatCommand } from './exec.js';

export interface BuildFacts {
  /** Full image reference to tag: repository:tag */
  ref: string;
  nodeImage?: string;
  version: string;
  revision: string;
  created: string;
  description?: string;
  title: string;
  /** Label values that let Shovel find its own images and containers. */
  service: string;
  /** shovel.yml build.dockerfile, relative to the repository (default: Dockerfile of the context). */
  dockerfile?: string;
  /** shovel.yml build.context, relative to the repository (default "."). */
  context?: string;
  /** The stage to build. */
  target?: string;
  /** The user's build arguments (shovel.yml build.args, `${VAR}` already taken from the shell). */
  args?: Record<string, string>;
}

export interface BuildOptions {
  /** The repository: docker build runs there, so dockerfile and context are relative to it. */
  contextDir: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export function buildArgs(facts: BuildFacts): string[] {
  const args = ['build', '--network', 'host', '--progress', 'plain', '--tag', facts.ref];
  const context = facts.context ?? '.';
  const dockerfile = facts.dockerfile ?? 'Dockerfile';
  // docker build reads <context>/Dockerfile unless told; shovel.yml names it from the repository root.
  if (dockerfile !== 'Dockerfile' || context !== '.') args.push('--file', dockerfile);
  if (facts.target) args.push('--target', facts.target);
  const buildArg = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') args.push('--build-arg', `${name}=${value}`);
  };
  buildArg('NODE_IMAGE', facts.nodeImage);
  buildArg('VERSION', facts.version);
  buildArg('REVISION', facts.revision);
  buildArg('CREATED', facts.created);
  buildArg('DESCRIPTION', facts.description);
  // The user's arguments last: `docker build` takes the last value of a repeated name.
  for (const [name, value] of Object.entries(facts.args ?? {})) args.push('--build-arg', `${name}=${value}`);
  const label = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') args.push('--label', `${name}=${value}`);
  };
  label('org.opencontainers.image.title', facts.title);
  label('org.opencontainers.image.version', facts.version);
  label('org.opencontainers.image.revision', facts.revision);
  label('org.opencontainers.image.created', facts.created);
  label('org.opencontainers.image.description', facts.description);
  label('shovel.service', facts.service);
  args.push(context);
  return args;
}

/** The build as it runs, for the dry run and the record: the same arguments `buildImage` passes. */
export function buildCommand(facts: BuildFacts): string {
  return formatCommand(dockerBinary(), buildArgs(facts));
}

export async function buildImage(facts: BuildFacts, options: BuildOptions): Promise<void> {
  await docker(buildArgs(facts), {
    // The context is "." of the service repository, not of wherever shovel was started
    // (create-shovel --release and `shovel release --cwd DIR` run from elsewhere).
    cwd: options.contextDir,
    env: { DOCKER_BUILDKIT: '1' },
    ...(options.signal ? { signal: options.signal } : {}),
    onLine: (line) => {
      options.onLine?.(line);
    },
    errorCode: 'SHOVEL_ERR_BUILD',
    errorMessage: `docker build of ${facts.ref} failed.`,
  }).catch((error: unknown) => {
    throw withBuildKitHint(error);
  });
}

const BUILDKIT_HINT = 'This docker client cannot use BuildKit, which the Dockerfile needs: point SHOVEL_DOCKER at one that can (e.g. with buildx).';

/**
 * Preflight: can this client build with BuildKit (every build does)? A build of an empty
 * image from stdin, its output thrown away: a third of a second, and nothing left behind.
 */
export async function checkBuildKit(signal?: AbortSignal): Promise<void> {
  await docker(['build', '--network', 'none', '--quiet', '--output', 'type=tar,dest=/dev/null', '-'], {
    input: 'FROM scratch\n',
    env: { DOCKER_BUILDKIT: '1' },
    ...(signal ? { signal } : {}),
    errorCode: 'SHOVEL_ERR_BUILDKIT',
    errorMessage: `The docker client "${dockerBinary()}" cannot build with BuildKit.`,
    hint: BUILDKIT_HINT,
  });
}

/** Output of a client that cannot use BuildKit (no buildx, or the legacy builder). */
const NO_BUILDKIT = /buildx|BuildKit is (?:disabled|not available)|--mount option requires BuildKit|unknown flag: --mount/i;

/** The BuildKit hint only where the output says BuildKit is what is missing. */
function withBuildKitHint(error: unknown): unknown {
  if (error instanceof StepError && !error.hint && NO_BUILDKIT.test(`${error.outputTail ?? ''}\n${error.message}`)) {
    return new StepError(error.code, error.message, {
      ...(error.command ? { command: error.command } : {}),
      ...(error.outputTail ? { outputTail: error.outputTail } : {}),
      details: error.details,
      hint: BUILDKIT_HINT,
      cause: error,
    });
  }
  return error;
}
