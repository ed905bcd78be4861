/**
 * In a terminal, inputs the target version added (and no input flag gave) are asked for, with
 * create-shovel's own prompts and defaults. Only when the target is the running version: its
 * input table is the one these prompts come from. Returns them as input flags for the render.
 */
import type { Answers } from '../inputs/schema.js';
import { INPUTS } from '../inputs/schema.js';

/** Input keys that input flags (`--name=value`, as normalised) give. */
export function keysOfFlags(flags: readonly string[]): string[] {
  const names = flags.map((f) => /^--([^=]+)=/.exec(f)?.[1]);
  return INPUTS.filter((i) => names.includes(i.flag)).map((i) => i.key);
}

export async function askNewInputs(answers: Record<string, unknown>, newKeys: readonly string[], signal?: AbortSignal): Promise<string[]> {
  const asked = INPUTS.filter((i) => newKeys.includes(i.key));
  if (asked.length === 0) return [];
  const given = Object.fromEntries(INPUTS.filter((i) => !newKeys.includes(i.key)).map((i) => [i.key, answers[i.key]])) as Partial<Answers>;
  const { promptForMissing } = await import('../scaffold/run-generator.js');
  const raw = await promptForMissing(given, process.cwd(), signal ?? new AbortController().signal);
  return asked.filter((i) => raw[i.key] !== undefined).map((i) => `--${i.flag}=${String(raw[i.key])}`);
}
