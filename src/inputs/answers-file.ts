/**
 * --answers FILE: inputs for automation, in JSON or YAML. Keys are input keys (`publicHost`)
 * or flag names (`public-host`). The record a generated repository keeps
 * (.shovel/answers.json, `{ template, version, answers }`) is accepted as is, so a service
 * can be re-rendered with the answers it was made from.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { INPUTS } from './schema.js';
import type { RawInputs } from './resolve.js';

export async function readAnswersFile(file: string): Promise<RawInputs> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError('SHOVEL_ERR_ANSWERS_FILE', `--answers: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let data: unknown;
  try {
    if (/\.json$/i.test(file) || text.trimStart().startsWith('{')) data = JSON.parse(text);
    else {
      const { parse } = await import('yaml');
      data = parse(text);
    }
  } catch (error) {
    throw new UsageError('SHOVEL_ERR_ANSWERS_FILE', `--answers: ${file} is not valid JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data && typeof data === 'object' && 'answers' in data && typeof (data as { answers: unknown }).answers === 'object') {
    data = (data as { answers: unknown }).answers;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError('SHOVEL_ERR_ANSWERS_FILE', `--answers: ${file} must hold an object of inputs`);
  }
  const out: RawInputs = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const input = INPUTS.find((i) => i.key === key || i.flag === key);
    if (!input) unknown.push(key);
    else out[input.key] = value;
  }
  if (unknown.length > 0) {
    throw new UsageError('SHOVEL_ERR_ANSWERS_FILE', `--answers: ${file} has unknown input${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `known inputs: ${INPUTS.map((i) => i.key).join(', ')}`,
    });
  }
  return out;
}
