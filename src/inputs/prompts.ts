/**
 * Inquirer questions derived from the input schema: one per input not already given, with
 * its default shown and the same validation as flags.
 */
import { INPUTS, defaultFor, type Answers } from './schema.js';
import { check, coerce } from './resolve.js';

export interface Question {
  type: 'input';
  name: string;
  message: string;
  default?: (answers: Partial<Answers>) => string | undefined;
  validate: (raw: string, answers?: Partial<Answers>) => true | string;
  filter: (raw: string) => string | number;
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
    // Inquirer runs filter before validate; keep filter total and let validate explain.
    filter: (raw) => {
      const { value } = coerce(input, raw);
      return value ?? raw;
    },
    validate: (raw) => {
      const { value, problem } = coerce(input, raw);
      const message = problem ?? check(input, value!);
      return message ? `${input.message} ${message.replace(/^.*? must /, 'must ')}` : true;
    },
  }));
}
