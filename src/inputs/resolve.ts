/**
 * Turns raw inputs (flags, an answers file, prompt answers) into validated Answers. Every
 * problem is collected, so one run reports all of them, each naming the field, the value
 * and the rule.
 */
import { UsageError } from '../errors.js';
import { defaultFor, INPUTS, type Answers, type InputKey, type InputSpec } from './schema.js';

export type RawInputs = Partial<Record<InputKey, unknown>>;

export interface Problem {
  input: InputSpec;
  /** The value as given (before coercion). */
  value: unknown;
  /** The rule it breaks, phrased after "must". */
  rule: string;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/**
 * Coerce one raw value (a flag string, a YAML number, a prompt answer) to the input's type
 * and check it: the value, or the rule it breaks (phrased after "must").
 */
export function parseInput(input: InputSpec, raw: unknown): { value: string | number } | { rule: string; value?: string | number } {
  let value: string | number;
  if (input.type === 'string') {
    if (typeof raw === 'string') value = raw;
    else if (typeof raw === 'number' && input.key !== 'description') value = String(raw);
    else return { rule: 'be text' };
  } else {
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
    value = text !== undefined && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(value)) return { rule: input.type === 'integer' ? 'be a whole number' : 'be a number' };
  }
  const broken = (input.validate as (v: string | number) => string | undefined)(value);
  return broken ? { rule: broken, value } : { value };
}

export function describeProblem(p: Problem): string {
  return `--${p.input.flag}: ${show(p.value)} must ${p.rule}`;
}

/**
 * Coerce and validate the given inputs. Returns the valid values; throws one UsageError
 * listing every invalid one.
 */
export function validateGiven(raw: RawInputs): Partial<Answers> {
  const out: Record<string, string | number> = {};
  const problems: Problem[] = [];
  for (const input of INPUTS) {
    if (!(input.key in raw) || raw[input.key] === undefined) continue;
    const parsed = parseInput(input, raw[input.key]);
    // The problem shows the value as understood (80, not "80") when it got that far.
    if ('rule' in parsed) problems.push({ input, value: parsed.value ?? raw[input.key], rule: parsed.rule });
    else out[input.key] = parsed.value;
  }
  if (problems.length > 0) throwProblems(problems);
  return out as Partial<Answers>;
}

export function throwProblems(problems: Problem[]): never {
  const lines = problems.map(describeProblem);
  throw new UsageError('SHOVEL_ERR_INPUT_INVALID', problems.length === 1 ? lines[0]! : `${problems.length} invalid inputs`, {
    details: problems.length === 1 ? [] : lines,
    hint: 'nothing was written; fix the value and run again',
  });
}

/** Fill every missing input from its default; throws listing every input that has none. */
export function withDefaults(given: Partial<Answers>): Answers {
  const answers: Record<string, unknown> = { ...given };
  const missing: InputSpec[] = [];
  for (const input of INPUTS) {
    if (answers[input.key] !== undefined) continue;
    const dflt = defaultFor(input, answers as Partial<Answers>);
    if (dflt === undefined) missing.push(input);
    else answers[input.key] = dflt;
  }
  if (missing.length > 0) {
    throw new UsageError(
      'SHOVEL_ERR_INPUT_MISSING',
      `missing required input${missing.length > 1 ? 's' : ''}: ${missing.map((m) => `--${m.flag}`).join(', ')}`,
      {
        details: missing.map((m) => `--${m.flag}: ${m.help}`),
        hint: 'not prompting (no terminal or CI=true): pass them as flags or in --answers FILE',
      },
    );
  }
  // Defaults are validated too: a default computed from other answers can still break a rule.
  return validateGiven(answers as RawInputs) as Answers;
}

