/**
 * The questions of `shovel init` in a terminal: one per input not given as a flag, with the
 * proposed value as its default and the input's own rule as its validation.
 */
import { InterruptedError } from '../errors.js';
import { INIT_INPUTS, parseInitInput, type InitAnswers } from './inputs.js';

export interface InitQuestion {
  type: 'input';
  name: string;
  message: string;
  default?: string;
  validate: (raw: string) => true | string;
}

export function initQuestions(given: Partial<InitAnswers>, proposed: Partial<InitAnswers>): InitQuestion[] {
  return INIT_INPUTS.filter((input) => given[input.key] === undefined).map((input) => {
    const d = proposed[input.key];
    return {
      type: 'input',
      name: input.key,
      message: input.message,
      ...(d === undefined || d === '' ? {} : { default: String(d) }),
      validate: (raw: string) => {
        const parsed = parseInitInput(input, raw);
        return 'rule' in parsed ? `${input.message} must ${parsed.rule}` : true;
      },
    };
  });
}

/** Asks the questions; Ctrl-C is an InterruptedError (nothing written). Answers stay text. */
export async function ask(questions: InitQuestion[], signal: AbortSignal): Promise<Record<string, string>> {
  if (questions.length === 0) return {};
  const { default: inquirer } = await import('inquirer');
  // Inquirer 9 answers Ctrl-C by re-raising SIGINT: the abort signal ends the wait.
  const cancelled = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new InterruptedError('Cancelled at a prompt; nothing was written.'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    return (await Promise.race([inquirer.prompt(questions as never), cancelled])) as Record<string, string>;
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    if (error instanceof Error && /ExitPromptError|force closed|SIGINT/i.test(`${error.name} ${error.message}`)) {
      throw new InterruptedError('Cancelled at a prompt; nothing was written.');
    }
    throw error;
  } finally {
    clearInterval(keepAlive);
  }
}
