/**
 * Asking in a terminal, with Ctrl-C a clean InterruptedError ("nothing was written"), for
 * create-shovel's generator prompts and `shovel init` alike.
 */
import { InterruptedError } from '../errors.js';

const CANCELLED = 'Cancelled at a prompt; nothing was written.';

/** Runs `prompt` (inquirer questions) until it answers, the signal aborts, or Ctrl-C. */
export async function askCancellable<T>(prompt: () => Promise<T>, signal: AbortSignal): Promise<T> {
  // Inquirer 9 answers Ctrl-C by re-raising SIGINT and leaving its promise pending: the abort
  // signal (set by the CLI's SIGINT handler) is what ends the wait.
  let onAbort: (() => void) | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    onAbort = () => reject(new InterruptedError(CANCELLED));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // Inquirer closes stdin before re-raising SIGINT; without a live handle the process would
  // exit with code 0 before the signal arrives.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    return await Promise.race([prompt(), cancelled]);
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    // Inquirer rejects with an ExitPromptError on Ctrl-C: a clean exit, not a crash.
    if (error instanceof Error && /ExitPromptError|force closed|SIGINT/i.test(`${error.name} ${error.message}`)) {
      throw new InterruptedError(CANCELLED);
    }
    throw error;
  } finally {
    clearInterval(keepAlive);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
