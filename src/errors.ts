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

export interface ShovelErrorOptions {
  /** What the user can do about it, printed under the message. */
  hint?: string;
  /** Extra lines (e.g. every invalid field), printed as a list. */
  details?: string[];
  cause?: unknown;
}

export class ShovelError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly details: string[];

  constructor(code: string, message: string, exitCode: ExitCode, options: ShovelErrorOptions = {}) {
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
  constructor(code: string, message: string, options?: ShovelErrorOptions) {
    super(code, message, EXIT.usage, options);
  }
}

/** A named step failed (an external command, a remote API): exit 1. */
export class StepError extends ShovelError {
  readonly step: string;
  readonly command: string | undefined;
  readonly outputTail: string | undefined;

  constructor(
    code: string,
    step: string,
    message: string,
    options: ShovelErrorOptions & { command?: string; outputTail?: string } = {},
  ) {
    super(code, message, EXIT.failed, options);
    this.step = step;
    this.command = options.command;
    this.outputTail = options.outputTail;
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
