/**
 * Runs an external command for a named step. A failure becomes a StepError carrying the
 * step, the command line and the tail of its output, never just "exit code 1". execa is
 * loaded on first use: runs that start no command never pay for it.
 */
import { InterruptedError, StepError } from '../errors.js';

export interface ExecOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  input?: string;
  /** Strings to blank out of the command line and output (passwords, tokens). */
  secrets?: string[];
  timeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  all: string;
}

export function redact(text: string, secrets: string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

export async function exec(step: string, file: string, args: string[], options: ExecOptions): Promise<ExecResult> {
  const { execa } = await import('execa');
  const command = redact([file, ...args].join(' '), options.secrets);
  try {
    const result = await execa(file, args, {
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      all: true,
      stripFinalNewline: true,
      ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' }),
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    });
    return { stdout: String(result.stdout), stderr: String(result.stderr), all: String(result.all ?? '') };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new InterruptedError();
    const e = error as { code?: string; exitCode?: number; all?: string; shortMessage?: string; timedOut?: boolean };
    const why =
      e.code === 'ENOENT'
        ? `${file} is not installed or not on PATH`
        : e.timedOut
          ? `timed out after ${options.timeoutMs} ms`
          : `exited with code ${e.exitCode ?? '?'}`;
    throw new StepError('SHOVEL_ERR_COMMAND_FAILED', step, `\`${command}\` ${why}`, {
      command,
      outputTail: redact(String(e.all ?? ''), options.secrets),
      cause: error,
    });
  }
}
