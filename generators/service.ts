/**
 * The `service` generator: what create-shovel asks and what it does, as data. node-plop asks
 * the prompts in a terminal; the actions are run by src/scaffold/run-generator.ts (whose
 * executor, src/scaffold/actions.ts, knows each action type), so `create-shovel --yes` never
 * loads plop or inquirer.
 */
import type { Answers } from '../src/inputs/schema.js';
import { questionsFor, type Question } from '../src/inputs/prompts.js';

export const SERVICE_GENERATOR = 'service';

export interface ActionConfig {
  type: string;
  abortOnFail?: boolean;
}

export interface GeneratorConfig {
  description: string;
  prompts: Question[];
  actions: ActionConfig[];
}

/** The generator, given the inputs already known (they are not asked again). */
export function serviceGenerator(given: Partial<Answers>): GeneratorConfig {
  return {
    description: 'A Fastify service in TypeScript, ready to release to Marathon',
    prompts: questionsFor(given),
    actions: [{ type: 'shovel:write-service', abortOnFail: true }],
  };
}
