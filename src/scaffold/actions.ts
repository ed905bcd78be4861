/**
 * What the generator's actions do. generators/service.ts names them as data; this is the one
 * executor that runs them, in a terminal (after node-plop's prompts) and without one alike.
 */
import type { Answers } from '../inputs/schema.js';
import { serviceFiles, writeFiles } from './files.js';

export type ActionFn = (answers: Answers, destBasePath: string) => Promise<string>;

export const ACTION_TYPES: Record<string, ActionFn> = {
  /** Render the template tree plus the answers record and write it under the destination. */
  'shovel:write-service': async (answers, dest) => {
    const files = await serviceFiles(answers);
    await writeFiles(dest, files);
    return `${files.length} files`;
  },
};
