/**
 * Runs the `service` generator (generators/service.ts): in a terminal node-plop asks its
 * prompts; its actions always run through one executor (./actions.ts), so plop and inquirer
 * are loaded only to ask.
 */
import { askCancellable } from '../inputs/ask.js';
import { SERVICE_GENERATOR, serviceGenerator } from '../../generators/service.js';
import { ACTION_TYPES } from './actions.js';
import { StepError } from '../errors.js';
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
  return (await askCancellable(() => plop.getGenerator(SERVICE_GENERATOR).runPrompts(), signal)) as RawAnswers;
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
