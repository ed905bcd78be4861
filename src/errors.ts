/**
 * Every failure Shovel reports is a ShovelError with a stable code. Library code throws these;
 * only the bins' top-level handler (src/cli/run-cli.ts) prints them and sets the exit code.
 */

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Every error code Shovel reports, with what it means: the one table (fastify's lib/errors.js
 * shape). Codes are never built at run time, so this is the whole list.
 */
export const ERROR_CODES = {
  SHOVEL_ERR_USAGE: 'bad flags, arguments or command',
  SHOVEL_ERR_INPUT_INVALID: 'an input (flag, answers file, prompt) breaks its rule',
  SHOVEL_ERR_INPUT_MISSING: 'a required input was not given and there is no terminal to ask',
  SHOVEL_ERR_ANSWERS_FILE: '--answers FILE cannot be read or holds unknown keys',
  SHOVEL_ERR_TARGET_NOT_DIR: 'the target of create-shovel exists and is not a directory',
  SHOVEL_ERR_TARGET_NOT_EMPTY: 'the target of create-shovel is not empty (and no --force)',
  SHOVEL_ERR_GENERATE: 'writing the generated files failed',
  SHOVEL_ERR_INSTALL: 'npm ci of the pinned tree failed',
  SHOVEL_ERR_GIT: 'a git command failed',
  SHOVEL_ERR_GIT_TAG: 'the release tag could not be written',
  SHOVEL_ERR_COMMAND_FAILED: 'an external command failed',
  SHOVEL_ERR_INTERRUPTED: 'SIGINT or SIGTERM',
  SHOVEL_ERR_STALLED: 'work was left waiting for something that can no longer happen',
  SHOVEL_ERR_UNEXPECTED: 'a defect: not a ShovelError',
  SHOVEL_ERR_CONFIG_MISSING: 'no shovel.yml',
  SHOVEL_ERR_CONFIG_UNREADABLE: 'shovel.yml cannot be read',
  SHOVEL_ERR_CONFIG_SYNTAX: 'shovel.yml is not valid YAML',
  SHOVEL_ERR_CONFIG_INVALID: 'shovel.yml breaks its schema',
  SHOVEL_ERR_PACKAGE_JSON: 'package.json cannot be read or parsed',
  SHOVEL_ERR_VERSION: 'no release version from --version, shovel.yml, package.json or git describe',
  SHOVEL_ERR_DIRTY_TREE: 'uncommitted changes and no --allow-dirty',
  SHOVEL_ERR_DOCKER_MISSING: 'no docker client',
  SHOVEL_ERR_DOCKER_DOWN: 'the docker engine does not answer',
  SHOVEL_ERR_DOCKER_COMMAND: 'a docker command failed',
  SHOVEL_ERR_DOCKER_RUN: 'docker run of the new container failed',
  SHOVEL_ERR_DOCKER_PORTS: 'two instances of the docker target would share a host port',
  SHOVEL_ERR_DOCKER_NETWORK: 'the docker engine has no network to publish the ports on',
  SHOVEL_ERR_HOST_PORT_BUSY: 'a host port of the docker target is held by another program',
  SHOVEL_ERR_DOCKER_PULL: 'docker pull of an upstream image (image.ref) failed',
  SHOVEL_ERR_SHELL_VARIABLE: 'shovel.yml reads a ${VAR} the releasing shell does not set',
  SHOVEL_ERR_BUILD: 'docker build failed',
  SHOVEL_ERR_BUILDKIT: 'the docker client cannot build with BuildKit',
  SHOVEL_ERR_PUSH: 'docker push failed',
  SHOVEL_ERR_PUSH_DIGEST: 'the pushed image has no digest',
  SHOVEL_ERR_IMAGE_GONE: 'the image to roll back to is no longer there',
  SHOVEL_ERR_REGISTRY_UNREACHABLE: 'the registry does not answer',
  SHOVEL_ERR_REGISTRY_AUTH: 'the registry refused the credentials',
  SHOVEL_ERR_REGISTRY_ENV: 'only one of SHOVEL_REGISTRY_USER and SHOVEL_REGISTRY_PASSWORD is set',
  SHOVEL_ERR_REGISTRY_LOGIN: 'docker login failed',
  SHOVEL_ERR_REGISTRY_NO_LOGIN: 'the registry needs a login and none is present',
  SHOVEL_ERR_REGISTRY_UNEXPECTED: 'the registry answered something unexpected',
  SHOVEL_ERR_NOT_HEALTHY: 'the new container did not become healthy (docker target)',
  SHOVEL_ERR_ROLLBACK_FAILED: 'a rollback did not become healthy',
  SHOVEL_ERR_ROLLBACK_VERSION: 'the version asked for is not known',
  SHOVEL_ERR_NO_PREVIOUS: 'there is no earlier healthy version to roll back to',
  SHOVEL_ERR_NOT_DEPLOYED: 'the service is not deployed',
  SHOVEL_ERR_NO_MARATHON_URL: 'the command needs marathon.url',
  SHOVEL_ERR_MARATHON_URL: 'marathon.url is not usable',
  SHOVEL_ERR_MARATHON_UNREACHABLE: 'Marathon does not answer',
  SHOVEL_ERR_MARATHON_AUTH: 'Marathon refused the credentials (401)',
  SHOVEL_ERR_MARATHON_FORBIDDEN: 'Marathon refused the request (403)',
  SHOVEL_ERR_MARATHON_NOT_FOUND: 'Marathon does not know the app (404)',
  SHOVEL_ERR_MARATHON_BAD_REQUEST: 'Marathon refused the request (400)',
  SHOVEL_ERR_MARATHON_INVALID: 'Marathon refused the app definition (422)',
  SHOVEL_ERR_MARATHON_CONFLICT: 'Marathon answered 409 without a deployment',
  SHOVEL_ERR_MARATHON_LOCKED: 'another deployment holds the app (409) past the wait',
  SHOVEL_ERR_MARATHON_HTTP: 'Marathon answered an unexpected status',
  SHOVEL_ERR_MARATHON_BAD_RESPONSE: 'Marathon answered with a body Shovel cannot read (HTML, not JSON ...)',
  SHOVEL_ERR_MARATHON_REDIRECT: 'Marathon redirected to another origin',
  SHOVEL_ERR_MARATHON_REPLY_LOST: 'the reply to a deployment request was lost or stalled',
  SHOVEL_ERR_MARATHON_ABORTED: 'a Marathon request was aborted',
  SHOVEL_ERR_MARATHON_VERSION: 'the Marathon version cannot be read or is not supported',
  SHOVEL_ERR_MARATHON_APP_ID: "the app id breaks Marathon's rules",
  SHOVEL_ERR_MARATHON_DEFINITION: 'the rendered app definition would be refused',
  SHOVEL_ERR_MARATHON_ENV: 'an env value cannot be sent to Marathon',
  SHOVEL_ERR_MARATHON_RESERVED_ENV: 'env sets a name Shovel sets itself',
  SHOVEL_ERR_MARATHON_LABELS: 'a label cannot be sent to Marathon',
  SHOVEL_ERR_MARATHON_IMAGE: 'the image reference cannot be used',
  SHOVEL_ERR_MARATHON_DIALECT: 'a setting the chosen Marathon dialect cannot express safely (persistent volumes, secrets, a constraint operator)',
  SHOVEL_ERR_MARATHON_STATEFUL: 'a persistent-volume service with an upgrade strategy Marathon refuses or that could run two copies on one volume',
  SHOVEL_ERR_MARATHON_HEALTH: 'a health check Marathon cannot run as configured (e.g. never-kill with a command check)',
  SHOVEL_ERR_MARATHON_PUBLIC_PORT: 'publicHost is set but no port is public',
  SHOVEL_ERR_MARATHON_DEADLINE: 'the deployment was not healthy before the deadline',
  SHOVEL_ERR_MARATHON_ROLLED_BACK: 'the new version failed and the previous one serves again',
  SHOVEL_ERR_MARATHON_ROLLBACK_FAILED: 'the new version failed and so did the rollback',
  SHOVEL_ERR_MARATHON_FIRST_RELEASE_FAILED: 'a first release failed (scaled to 0 or removed)',
  SHOVEL_ERR_MARATHON_SUPERSEDED: "someone else's newer definition replaced ours (nothing rolled back)",
  SHOVEL_ERR_MARATHON_SCALED: 'someone else changed the instance count (nothing rolled back)',
  SHOVEL_ERR_MARATHON_REVERTED: 'the app is back at an older definition (nothing rolled back)',
  SHOVEL_ERR_MARATHON_DELETED: 'the app was deleted during the release',
  SHOVEL_ERR_NOT_A_SERVICE: 'the directory has no .shovel/answers.json',
  SHOVEL_ERR_ANSWERS_RECORD: '.shovel/answers.json cannot be read',
  SHOVEL_ERR_DIRTY: 'shovel upgrade needs a clean tree',
  SHOVEL_ERR_DOWNGRADE: 'the target template version is older than the recorded one',
  SHOVEL_ERR_TEMPLATE_UNAVAILABLE: 'the template version cannot be obtained',
  SHOVEL_ERR_MERGE: 'the three-way merge failed',
  SHOVEL_ERR_INIT_EXISTS: 'shovel init found a shovel.yml and writes nothing',
  SHOVEL_ERR_INIT_INPUT: 'an input of shovel init breaks its rule',
  SHOVEL_ERR_INIT_NO_DOCKERFILE: 'shovel init found no Dockerfile',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ShovelErrorOptions {
  /** What the user can do about it, printed under the message. */
  hint?: string;
  /** Extra lines (e.g. every invalid field), printed as a list. */
  details?: string[];
  cause?: unknown;
}

export class ShovelError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly details: string[];

  constructor(code: ErrorCode, message: string, exitCode: ExitCode, options: ShovelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

/** Bad flags, bad answers, bad config: exit 2, nothing written. */
export class UsageError extends ShovelError {
  constructor(code: ErrorCode, message: string, options?: ShovelErrorOptions) {
    super(code, message, EXIT.usage, options);
  }
}

/** The step of an error no step runner has named yet (Progress.step names it). */
export const UNNAMED_STEP = '';

export type StepErrorOptions = ShovelErrorOptions & { command?: string; outputTail?: string };

/**
 * A step failed (an external command, a remote API): exit 1. Library code throws it without
 * naming a step; the step runner (Progress.step in src/ui/progress.ts) attaches the step the
 * error broke, once: the innermost step it passes through.
 */
export class StepError extends ShovelError {
  /** The step this error broke; empty until a step runner attaches it. */
  readonly step: string;
  readonly command: string | undefined;
  readonly outputTail: string | undefined;
  #attached = false;

  constructor(code: ErrorCode, message: string, options?: StepErrorOptions);
  /** For code that runs no step runner and names its one step itself. */
  constructor(code: ErrorCode, step: string, message: string, options?: StepErrorOptions);
  constructor(code: ErrorCode, first: string, second?: string | StepErrorOptions, third?: StepErrorOptions) {
    const named = typeof second === 'string';
    const options: StepErrorOptions = (named ? third : second) ?? {};
    super(code, named ? second : first, EXIT.failed, options);
    this.step = named ? first : UNNAMED_STEP;
    this.command = options.command;
    this.outputTail = options.outputTail;
  }

  /** Called by the step runner: the first (innermost) step an error leaves names it. */
  attachStep(step: string): this {
    if (!this.#attached) {
      this.#attached = true;
      (this as { step: string }).step = step;
    }
    return this;
  }
}

/** Ctrl-C at a prompt or a SIGINT during work: exit 130, no stack trace. */
export class InterruptedError extends ShovelError {
  constructor(message = 'Interrupted.') {
    super('SHOVEL_ERR_INTERRUPTED', message, EXIT.interrupted);
  }
}

export function isShovelError(error: unknown): error is ShovelError {
  return error instanceof ShovelError;
}
