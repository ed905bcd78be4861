/**
 * The inputs of `shovel init`: the create-shovel inputs that shovel.yml has (one table, so the
 * flags, questions and rules are the same as create-shovel's) and the health check path, whose
 * rule is shovel.yml's own.
 */
import { urlPath } from '../config/schema.js';
import { parseInput } from '../inputs/resolve.js';
import { inRange, RANGES } from '../inputs/rules.js';
import { INPUTS, type Answers, type InputSpec } from '../inputs/schema.js';

/** create-shovel's answers that shovel.yml has, plus the health check path. */
export type InitAnswers = Pick<
  Answers,
  'name' | 'port' | 'publicHost' | 'cpus' | 'memory' | 'instances' | 'imageRepository' | 'marathonUrl' | 'marathonGroup'
> & { healthPath?: string };

export type InitKey = keyof InitAnswers;

export interface InitInput {
  key: InitKey;
  flag: string;
  type: 'string' | 'integer' | 'number';
  message: string;
  help: string;
  validate: (value: never) => string | undefined;
}

const FROM_CREATE_SHOVEL: readonly InitKey[] = ['name', 'port', 'publicHost', 'cpus', 'memory', 'instances', 'imageRepository', 'marathonUrl', 'marathonGroup'];

/** Empty: no HTTP check (the HEALTHCHECK command, else TCP). */
const healthPathRule = (value: string): string | undefined => {
  if (value === '') return undefined;
  const checked = urlPath.safeParse(value);
  return checked.success ? undefined : (checked.error.issues[0]?.message ?? 'be a path').replace(/^must /, '');
};

export const INIT_INPUTS: readonly InitInput[] = [
  ...INPUTS.filter((input) => FROM_CREATE_SHOVEL.includes(input.key as InitKey)).map((input) =>
    // Any software: its main port may be any port, 80 included (create-shovel's service runs unprivileged).
    input.key === 'port'
      ? ({
          ...input,
          message: 'Main port the software listens on in its container',
          help: `the main container port (${RANGES.containerPort.min}-${RANGES.containerPort.max})`,
          validate: inRange('containerPort'),
        } as unknown as InitInput)
      : (input as unknown as InitInput),
  ),
  {
    key: 'healthPath',
    flag: 'health-path',
    type: 'string',
    message: 'Health check path (HTTP, answers 200 when healthy)',
    help: 'HTTP path of the liveness and readiness checks (else the HEALTHCHECK command, else a TCP check of the main port)',
    validate: healthPathRule as (value: never) => string | undefined,
  },
];

/** A raw value (flag text, prompt answer) coerced and checked with the input's rule. */
export function parseInitInput(input: InitInput, raw: unknown): { value: string | number } | { rule: string; value?: string | number } {
  return parseInput(input as unknown as InputSpec, raw);
}

/** What --help shows as the default of an input. */
export function initDefaultText(input: InitInput): string {
  const spec = INPUTS.find((i) => i.key === input.key);
  const d = spec && typeof spec.default !== 'function' ? spec.default : undefined;
  if (input.key === 'name') return 'the directory name, made valid';
  if (input.key === 'port') return `the first EXPOSE port, else ${String(d)}`;
  if (input.key === 'healthPath') return 'the path of the HEALTHCHECK URL; without one, no HTTP check';
  return d === undefined || d === '' ? 'none' : String(d);
}
