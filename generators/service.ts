/**
 * The `service` generator: what create-shovel asks and what it does, as data. node-plop runs
 * it in a terminal (prompts, then actions); non-interactive runs execute the same actions
 * without loading plop and inquirer (src/scaffold/run-generator.ts), which keeps
 * `create-shovel --yes` fast.
 */
import type { Answers } from '../src/inputs/schema.js';
import { questionsFor, type Question } from '../src/inputs/prompts.js';
import { serviceFiles, writeFiles } from '../src/scaffold/files.js';

export const SERVICE_GENERATOR = 'service';

/** What an action receives: plop's data (the answers) and the directory to write into. */
export type ActionFn = (data: Answers, config: ActionConfig, plop: { getDestBasePath(): string }) => Promise<string>;

export interface ActionConfig {
  type: string;
  abortOnFail?: boolean;
}

export const ACTION_TYPES: Record<string, ActionFn> = {
  /** Render the template tree plus the answers record and write it under the destination. */
  'shovel:write-service': async (data, _config, plop) => {
    const files = await serviceFiles(data);
    await writeFiles(plop.getDestBasePath(), files);
    return `${files.length} files`;
  },
};

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
