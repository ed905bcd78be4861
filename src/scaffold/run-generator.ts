/**
 * Runs the `service` generator (generators/service.ts). In a terminal node-plop asks the
 * prompts and runs the actions; without one, the same actions run directly so that plop and
 * inquirer are never loaded.
 */
import { ACTION_TYPES, SERVICE_GENERATOR, serviceGenerator } from '../../generators/service.js';
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

/** Write the service into `destBasePath` by running the generator's actions. */
export async function runActions(answers: Answers, destBasePath: string): Promise<void> {
  const { actions } = serviceGenerator(answers);
  const plopLike = { getDestBasePath: () => destBasePath };
  for (const action of actions) {
    const fn = ACTION_TYPES[action.type];
    if (!fn) throw new Error(`generator ${SERVICE_GENERATOR}: unknown action type ${action.type}`);
    try {
      await fn(answers, action, plopLike);
    } catch (error) {
      throw new StepError('SHOVEL_ERR_GENERATE', 'Generate files', `${action.type} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/** The same actions through node-plop itself (used in a terminal and by tests). */
export async function runActionsWithPlop(answers: Answers, destBasePath: string): Promise<void> {
  const plop = await loadPlop(destBasePath);
  const errors: unknown[] = [];
  for (const [type, fn] of Object.entries(ACTION_TYPES)) {
    plop.setActionType(type, (async (data: Answers, config: never, api: { getDestBasePath(): string }) => {
      try {
        return await fn(data, config, api);
      } catch (error) {
        // node-plop turns errors into strings; keep the real one.
        errors.push(error);
        throw error;
      }
    }) as never);
  }
  plop.setGenerator(SERVICE_GENERATOR, serviceGenerator(answers) as never);
  const { failures } = await plop.getGenerator(SERVICE_GENERATOR).runActions({ ...answers });
  if (failures.length > 0) {
    const first = errors[0] as Error | undefined;
    throw new StepError('SHOVEL_ERR_GENERATE', 'Generate files', first?.message ?? String(failures[0]?.error), {
      cause: first,
    });
  }
}
