/**
 * Runs the docker CLI. One place decides which binary (SHOVEL_DOCKER, because a machine can
 * have several clients and only some of them can use BuildKit) and turns a failed command
 * into a StepError carrying the command line and the tail of its output.
 */
import { execa } from 'execa';
import { StepError } from '../errors.js';

export interface DockerRunOptions {
  /** The release step this command belongs to; failures are reported under it. */
  step: string;
  /** Working directory of the docker client (a build's "." context); default: this process's. */
  cwd?: string;
  /** Extra environment for the docker client (DOCKER_CONFIG, DOCKER_BUILDKIT...). */
  env?: Record<string, string>;
  /** Written to stdin (e.g. a password for --password-stdin: never an argument). */
  input?: string;
  signal?: AbortSignal;
  /** Each line of output as it arrives (stdout and stderr interleaved). */
  onLine?: (line: string) => void;
  /** Error code of the StepError thrown on a non-zero exit. */
  errorCode?: string;
  /** Message of the StepError thrown on a non-zero exit. */
  errorMessage?: string;
  hint?: string;
  /** Return the failed result instead of throwing (for commands whose failure is an answer). */
  allowFailure?: boolean;
}

export interface DockerResult {
  ok: boolean;
  exitCode: number | undefined;
  stdout: string;
  /** stdout and stderr interleaved. */
  all: string;
}

export function dockerBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.SHOVEL_DOCKER || 'docker';
}

/** How a command is shown to users: quoted where needed, so it can be pasted into a shell. */
export function formatCommand(file: string, args: readonly string[]): string {
  const quote = (a: string) => (/^[A-Za-z0-9_./:=@%+,{}-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);
  return [file, ...args].map(quote).join(' ');
}

export async function docker(args: readonly string[], options: DockerRunOptions): Promise<DockerResult> {
  const file = dockerBinary();
  const command = formatCommand(file, args);
  const subprocess = execa(file, args, {
    all: true,
    reject: false,
    env: options.env ?? {},
    extendEnv: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    stripFinalNewline: true,
  });
  if (options.onLine) {
    const onLine = options.onLine;
    let buffered = '';
    subprocess.all?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    });
  }
  const result = await subprocess;
  if (options.signal?.aborted) throw options.signal.reason;
  const all = String(result.all ?? '');
  const stdout = String(result.stdout ?? '');
  if (!result.failed) return { ok: true, exitCode: result.exitCode, stdout, all };
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new StepError('SHOVEL_ERR_DOCKER_MISSING', options.step, `The docker client "${file}" was not found.`, {
      command,
      hint: 'Install Docker, or point SHOVEL_DOCKER at a docker client binary.',
    });
  }
  if (options.allowFailure) return { ok: false, exitCode: result.exitCode, stdout, all };
  throw new StepError(
    options.errorCode ?? 'SHOVEL_ERR_DOCKER_COMMAND',
    options.step,
    options.errorMessage ?? `docker ${args[0] ?? ''} failed (exit code ${String(result.exitCode ?? 'none')}).`,
    { command, outputTail: all, ...(options.hint ? { hint: options.hint } : {}) },
  );
}
