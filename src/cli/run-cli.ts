/**
 * The single top-level handler of both bins: it runs a command, prints any error once, and
 * sets the exit code. Nothing below it prints errors or calls process.exit.
 */
import { EXIT, InterruptedError, isShovelError, ShovelError, StepError, type ExitCode } from '../errors.js';
import { colors } from '../ui/colors.js';

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function formatError(error: unknown): string {
  const c = colors(process.stderr);
  if (!isShovelError(error)) {
    const e = error instanceof Error ? error : new Error(String(error));
    return `${c.red('✖ Unexpected error:')} ${e.stack ?? e.message}\nPlease report this as a bug.`;
  }
  const out: string[] = [];
  const where = error instanceof StepError ? `${error.step}: ` : '';
  out.push(`${c.red('✖')} ${where}${error.message} ${c.dim(`[${error.code}]`)}`);
  for (const d of error.details) out.push(`  - ${d}`);
  if (error instanceof StepError && error.command) out.push(`  command: ${error.command}`);
  if (error instanceof StepError && error.outputTail) {
    out.push('  output (last lines):');
    out.push(...tail(error.outputTail).split('\n').map((l) => `    ${l}`));
  }
  if (error.hint) out.push(`  ${c.yellow('hint:')} ${error.hint}`);
  return out.join('\n');
}

/**
 * Runs `main` and exits with its code. SIGINT while work is under way exits 130; whatever
 * cleanup `main` registered (e.g. removing a temporary directory) runs first via its own
 * finally blocks, because the signal turns into an InterruptedError thrown at the await.
 */
export async function runCli(main: (signal: AbortSignal) => Promise<ExitCode | void>): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts += 1;
    // A second Ctrl-C means "now": skip cleanup.
    if (interrupts > 1) process.exit(EXIT.interrupted);
    controller.abort(new InterruptedError(`Interrupted by ${sig}.`));
  };
  // Named here, not taken from the listener's argument: a signal emitted by a library
  // (`process.emit('SIGINT')`, as prompt libraries do on Ctrl-C) arrives without its name.
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // The event loop ran dry while `main` was still pending: some awaited work can never finish
  // (e.g. a request lost without any timer left to end it). Node would exit 0 here, which for
  // `shovel release` means "healthy": report it and fail instead.
  let settled = false;
  const onStall = () => {
    if (settled) return;
    settled = true;
    const stalled = new ShovelError('SHOVEL_ERR_STALLED', 'Stopped with work unfinished: an operation was waiting for something that can no longer happen.', EXIT.failed, {
      hint: 'The outcome is unknown: check the target (shovel status). Please report this as a bug.',
    });
    process.stderr.write(`${formatError(stalled)}\n`);
    process.exitCode = EXIT.failed;
  };
  process.on('beforeExit', onStall);
  let code: ExitCode;
  try {
    code = (await main(controller.signal)) ?? EXIT.ok;
  } catch (error) {
    const interrupted = controller.signal.aborted || (isShovelError(error) && error.exitCode === EXIT.interrupted);
    if (interrupted) {
      const reason = isShovelError(error) && error.exitCode === EXIT.interrupted ? error : controller.signal.reason;
      process.stderr.write(`${formatError(reason ?? error)}\n`);
      code = EXIT.interrupted;
    } else {
      process.stderr.write(`${formatError(error)}\n`);
      code = isShovelError(error) ? error.exitCode : EXIT.failed;
    }
  } finally {
    settled = true;
    process.off('beforeExit', onStall);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.exitCode = code;
}
