/**
 * Runs the `service` generator (generators/service.ts): in a terminal node-plop asks its
 * prompts; its actions always run through one executor (./actions.ts), so plop and inquirer
 * are loaded only to ask.
 */
import { SERVICE_GENERATOR, serviceGenerator } from '../../generators/service.js';
import { ACTION_TYPES } from './actions.js';
import { InterruptedError, StepError } from '../errors.js';
import type { Answers } from '../inputs/schema.js';

type RawAnswers = Record<string, unknown>;

async function loadPlop(destBasePath: string) {
  const { default: nodePlop } = await import('node-plop');
  return nodePlop('', { destBasePath, force: false });
}

/** Ask (through node-plop and inquirer) for every input not already given. */
export async function promptForMissing(
  given: Partial<Answers>,
  destBasePath: string,
  signal: AbortSignal,
): Promise<RawAnswers> {
  const plop = await loadPlop(destBasePath);
  plop.setGenerator(SERVICE_GENERATOR, serviceGenerator(given) as never);
  // Inquirer 9 answers Ctrl-C by re-raising SIGINT and leaving its promise pending: the
  // abort signal (set by the CLI's SIGINT handler) is what ends the wait.
  const cancelled = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new InterruptedError('Cancelled at a prompt; nothing was written.'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // Inquirer closes stdin before re-raising SIGINT; without a live handle the process would
  // exit with code 0 before the signal arrives.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    return (await Promise.race([plop.getGenerator(SERVICE_GENERATOR).runPrompts(), cancelled])) as RawAnswers;
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    // Inquirer rejects with an ExitPromptError on Ctrl-C: a clean exit, not a crash.
    if (error instanceof Error && /ExitPromptError|force closed|SIGINT/i.test(`${error.name} ${error.message}`)) {
      throw new InterruptedError('Cancelled at a prompt; nothing was written.');
    }
    throw error;
  } finally {
    clearInterval(keepAlive);
  }
}

/** Write the service into `destBasePath` by running the generator's actions, in order. */
export async function runActions(answers: Answers, destBasePath: string): Promise<void> {
  for (const action of serviceGenerator(answers).actions) {
    const fn = ACTION_TYPES[action.type];
    if (!fn) throw new Error(`generator ${SERVICE_GENERATOR}: unknown action type ${action.type}`);
    try {
      await fn(answers, destBasePath);
    } catch (error) {
      throw new StepError('SHOVEL_ERR_GENERATE', 'Generate files', `${action.type} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
