/**
 * Runs the docker CLI. One place decides which binary (SHOVEL_DOCKER, because a machine can
 * have several clients and only some of them can use BuildKit) and how a failed docker
 * command is reported.
 */
import { StepError, UNNAMED_STEP, type ErrorCode } from '../errors.js';
import { failure, run, type RunOptions, type RunResult } from '../util/exec.js';

export { formatCommand } from '../util/exec.js';

export interface DockerRunOptions extends Pick<RunOptions, 'cwd' | 'input' | 'signal' | 'onLine'> {
  /** Only for callers that run no step runner; under Progress.step the runner names the step. */
  step?: string;
  /** Extra environment for the docker client (DOCKER_CONFIG, DOCKER_BUILDKIT...). */
  env?: Record<string, string>;
  /** Error code of the StepError thrown on a non-zero exit. */
  errorCode?: ErrorCode;
  /** Message of the StepError thrown on a non-zero exit. */
  errorMessage?: string;
  hint?: string;
  /** Return the failed result instead of throwing (for commands whose failure is an answer). */
  allowFailure?: boolean;
}

export type DockerResult = RunResult;

export function dockerBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.SHOVEL_DOCKER || 'docker';
}

export async function docker(args: readonly string[], options: DockerRunOptions = {}): Promise<DockerResult> {
  const file = dockerBinary();
  const step = options.step ?? UNNAMED_STEP;
  const result = await run(file, args, options);
  if (result.ok) return result;
  if (result.missing) {
    throw new StepError('SHOVEL_ERR_DOCKER_MISSING', step, `The docker client "${file}" was not found.`, {
      command: result.command,
      hint: 'Install Docker, or point SHOVEL_DOCKER at a docker client binary.',
    });
  }
  if (options.allowFailure) return result;
  throw failure(result, step, {
    code: options.errorCode ?? 'SHOVEL_ERR_DOCKER_COMMAND',
    message: options.errorMessage ?? `docker ${args[0] ?? ''} failed (exit code ${String(result.exitCode ?? 'none')}).`,
    ...(options.hint ? { hint: options.hint } : {}),
  });
}
