/**
 * `shovel init`: a shovel.yml for any repository with a Dockerfile. Reads EXPOSE, HEALTHCHECK
 * and USER, takes the inputs from flags, questions (in a terminal) or the proposed values
 * (`--yes`, or no terminal), checks the result with the loader `shovel release` uses, and
 * creates the file; an existing one is never replaced. No package.json is needed.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConfig } from '../config/load.js';
import type { ShovelConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { healthTimings, proposedAnswers } from './defaults.js';
import { parseDockerfile } from './dockerfile.js';
import { imageFacts, type ImageFacts } from './image-facts.js';
import { INIT_INPUTS, parseInitInput, type InitAnswers, type InitInput } from './inputs.js';
import { ask, initQuestions } from './prompt.js';
import { alreadyThere, renderShovelYml, writeNewFile } from './writer.js';

export { INIT_INPUTS } from './inputs.js';

export interface InitOptions {
  cwd: string;
  /** Where to write, relative to cwd (default shovel.yml). */
  configPath?: string;
  /** Raw flag values by input key. */
  given: Partial<Record<keyof InitAnswers, string>>;
  /** Ask questions for inputs not given (a terminal and no --yes). */
  interactive: boolean;
  signal: AbortSignal;
}

export interface InitResult {
  file: string;
  config: ShovelConfig;
  facts: ImageFacts;
  /** What the Dockerfile said that shovel.yml could not take, and other things to check. */
  notes: string[];
}

/** Coerces and checks raw values; one UsageError naming every bad flag (or answer). */
function validated(raw: Partial<Record<string, string>>, label: (input: InitInput) => string): Partial<InitAnswers> {
  const out: Record<string, string | number> = {};
  const problems: string[] = [];
  for (const input of INIT_INPUTS) {
    const value = raw[input.key];
    if (value === undefined) continue;
    const parsed = parseInitInput(input, value);
    if ('rule' in parsed) problems.push(`${label(input)}: ${JSON.stringify(parsed.value ?? value)} must ${parsed.rule}`);
    else out[input.key] = parsed.value;
  }
  if (problems.length > 0) throw new UsageError('SHOVEL_ERR_INIT_INPUT', problems.length === 1 ? problems[0]! : 'Invalid inputs:', problems.length === 1 ? {} : { details: problems });
  return out as Partial<InitAnswers>;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export async function init(options: InitOptions): Promise<InitResult> {
  const file = path.resolve(options.cwd, options.configPath ?? 'shovel.yml');
  // Before any question: a user never answers questions for a file that is then refused.
  if (await exists(file)) throw alreadyThere(file);
  const dockerfile = path.join(options.cwd, 'Dockerfile');
  let text: string;
  try {
    text = await readFile(dockerfile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError('SHOVEL_ERR_INIT_NO_DOCKERFILE', `No Dockerfile in ${options.cwd}.`, {
        hint: 'shovel init reads the Dockerfile of the repository: run it where the Dockerfile is, or pass --cwd DIR.',
      });
    }
    throw new UsageError('SHOVEL_ERR_INIT_NO_DOCKERFILE', `Cannot read ${dockerfile}: ${(error as Error).message}`);
  }
  const facts = imageFacts(parseDockerfile(text));
  const notes = facts.notes.map((n) => `Dockerfile ${n}`);
  const given = validated(options.given, (i) => `--${i.flag}`);
  const proposed = { ...proposedAnswers(options.cwd, facts), ...given };
  const asked = options.interactive ? validated(await ask(initQuestions(given, proposed), options.signal), (i) => i.message) : {};
  const answers = { ...proposed, ...asked };
  const missing = INIT_INPUTS.filter((i) => answers[i.key] === undefined && i.key !== 'healthPath');
  if (missing.length > 0) {
    throw new UsageError('SHOVEL_ERR_INIT_INPUT', `No value for ${missing.map((i) => `--${i.flag}`).join(', ')}.`, {
      hint: 'The directory name gives no valid service name: pass --name NAME.',
    });
  }
  // Proposed values are checked too: EXPOSE 80 proposes a port shovel.yml does not accept.
  validated(Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, String(v)])), (i) => `${i.message} (from the Dockerfile or the directory name; pass --${i.flag})`);
  const timings = healthTimings(facts.healthcheck, notes);
  if (!facts.user) notes.push('the Dockerfile sets no USER: the container runs as root unless its base image sets one');
  const yml = renderShovelYml(answers as InitAnswers, facts, timings);
  const config = parseConfig(yml, path.basename(file));
  await writeNewFile(file, yml);
  return { file, config, facts, notes };
}
