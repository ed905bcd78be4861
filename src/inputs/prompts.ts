/**
 * Inquirer questions derived from the input schema: one per input not already given, with
 * its default shown and the same validation as flags.
 */
import { INPUTS, defaultFor, type Answers } from './schema.js';
import { parseInput } from './resolve.js';

export interface Question {
  type: 'input';
  name: string;
  message: string;
  default?: (answers: Partial<Answers>) => string | undefined;
  validate: (raw: string, answers?: Partial<Answers>) => true | string;
}

export function questionsFor(given: Partial<Answers>): Question[] {
  return INPUTS.filter((input) => given[input.key] === undefined).map((input) => ({
    type: 'input',
    name: input.key,
    message: input.message,
    default: (answers) => {
      const d = defaultFor(input, { ...given, ...answers });
      return d === undefined || d === '' ? undefined : String(d);
    },
    // No `filter`: answers stay text (validateGiven coerces them after the prompts). Inquirer
    // puts a rejected answer back on the line as its filtered value, and a number there leaves
    // the cursor at NaN, so Backspace stops erasing.
    validate: (raw) => {
      const parsed = parseInput(input, raw);
      return 'rule' in parsed ? `${input.message} must ${parsed.rule}` : true;
    },
  }));
}
