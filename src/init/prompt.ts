/**
 * The questions of `shovel init` in a terminal: one per input not given as a flag, with the
 * proposed value as its default and the input's own rule as its validation.
 */
import { askCancellable } from '../inputs/ask.js';
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
  return askCancellable(() => inquirer.prompt(questions as never) as Promise<Record<string, string>>, signal);
}
