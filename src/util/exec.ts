/**
 * The one way Shovel runs an external command (git, npm, docker). A failure becomes a
 * StepError carrying the step, the command line and the tail of its output, never just
 * "exit code 1". execa is loaded on first use: runs that start no command never pay for it.
 */
import { InterruptedError, StepError, type ErrorCode } from '../errors.js';
import { failureCause } from './output-cause.js';

export interface RunOptions {
  cwd?: string;
  /** Extra environment, on top of this process's. */
  env?: Record<string, string | undefined>;
  /** Written to stdin (e.g. a password for --password-stdin: never an argument). */
  input?: string;
  signal?: AbortSignal;
  /** Each line of output as it arrives (stdout and stderr interleaved). */
  onLine?: (line: string) => void;
  /** Strings to blank out of the command line and output (passwords, tokens). */
  secrets?: string[];
  timeoutMs?: number;
}

export interface RunResult {
  ok: boolean;
  exitCode: number | undefined;
  /** The program is not installed (or not on PATH). */
  missing: boolean;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved. */
  all: string;
  /** The command as shown to users: quoted for a shell, secrets blanked. */
  command: string;
}

export function redact(text: string, secrets: string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

/** How a command is shown to users: quoted where needed, so it can be pasted into a shell. */
export function formatCommand(file: string, args: readonly string[]): string {
  const quote = (a: string) => (/^[A-Za-z0-9_./:=@%+,{}-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);
  return [file, ...args].map(quote).join(' ');
}

/** Run a command; a non-zero exit is a result (`ok: false`), not an exception. */
export async function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const { execa } = await import('execa');
  const subprocess = execa(file, args, {
    all: true,
    reject: false,
    extendEnv: true,
    stripFinalNewline: true,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  });
  // execa splits the interleaved output into lines (and still buffers it for the result).
  const lines = options.onLine
    ? (async (onLine: (line: string) => void) => {
        for await (const line of subprocess.iterable({ from: 'all' })) if (line.trim()) onLine(redact(line, options.secrets));
      })(options.onLine).catch(() => undefined)
    : undefined;
  const result = await subprocess;
  await lines;
  if (options.signal?.aborted) {
    throw options.signal.reason instanceof Error ? options.signal.reason : new InterruptedError();
  }
  const secrets = options.secrets;
  return {
    ok: !result.failed,
    exitCode: result.exitCode,
    missing: (result as { code?: string }).code === 'ENOENT',
    timedOut: Boolean(result.timedOut),
    stdout: redact(String(result.stdout ?? ''), secrets),
    stderr: redact(String(result.stderr ?? ''), secrets),
    all: redact(String(result.all ?? ''), secrets),
    command: redact(formatCommand(file, args), secrets),
  };
}

/** The StepError for a failed run, naming the step, the command and the output tail. */
export function failure(result: RunResult, step: string, detail: { code?: ErrorCode; message?: string; hint?: string } = {}): StepError {
  const program = result.command.split(' ')[0];
  const why = result.missing
    ? `${program} is not installed or not on PATH`
    : result.timedOut
      ? 'timed out'
      : `exited with code ${result.exitCode ?? '?'}`;
  return new StepError(detail.code ?? 'SHOVEL_ERR_COMMAND_FAILED', step, detail.message ?? `\`${result.command}\` ${why}`, {
    command: result.command,
    // The cause (npm's error lines, the build's failing step) when it can be told apart from
    // the usage text and progress around it; otherwise the tail of everything.
    outputTail: failureCause(result.all) ?? result.all,
    ...(detail.hint ? { hint: detail.hint } : {}),
  });
}

/** Run a command and throw a StepError unless it succeeds. */
export async function exec(step: string, file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const result = await run(file, args, options);
  if (!result.ok) throw failure(result, step);
  return result;
}
