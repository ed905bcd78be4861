/**
 * create-shovel's command line: the input flags come from the schema (src/inputs/schema.ts);
 * the control flags below steer the run. --help is generated from both tables.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import { helpRows, unknownFlag, wrap } from '../ui/suggest.js';
import { INPUTS, type InputKey } from './schema.js';

interface ControlFlag {
  flag: string;
  short?: string;
  type: 'boolean' | 'string';
  /** Booleans that default to true are documented as --no-<flag>, and `help` describes that. */
  default?: boolean;
  value?: string;
  help: string;
}

export const CONTROL_FLAGS = [
  { flag: 'yes', short: 'y', type: 'boolean', help: 'accept the default of every input not given; never prompt' },
  { flag: 'answers', type: 'string', value: 'FILE', help: 'read inputs from a JSON or YAML file (flags win over it)' },
  { flag: 'force', type: 'boolean', help: 'replace a non-empty target directory (its .git is kept)' },
  { flag: 'dry-run', type: 'boolean', help: 'print the plan (files, sizes, commands) and write nothing' },
  { flag: 'json', type: 'boolean', help: 'print one JSON report on stdout; human output goes to stderr' },
  { flag: 'git', type: 'boolean', default: true, help: 'skip git init and the first commit (also skipped inside an existing work tree)' },
  { flag: 'install', type: 'boolean', default: true, help: 'skip installing dependencies (otherwise: the package manager that ran create-shovel)' },
  { flag: 'release', type: 'boolean', help: 'finish with the first release (same as `shovel release` in the new repo)' },
  { flag: 'help', short: 'h', type: 'boolean', help: 'show this help' },
  { flag: 'version', short: 'v', type: 'boolean', help: 'print the version' },
] as const satisfies readonly ControlFlag[];

export interface CreateOptions {
  directory: string | undefined;
  /** Raw input values from flags, keyed by input key (strings as typed). */
  flags: Partial<Record<InputKey, string>>;
  yes: boolean;
  answersFile: string | undefined;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  git: boolean;
  install: boolean;
  release: boolean;
  help: boolean;
  version: boolean;
}

function parseConfig(): ParseArgsConfig {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const input of INPUTS) options[input.flag] = { type: 'string' };
  for (const control of CONTROL_FLAGS as readonly ControlFlag[]) {
    options[control.flag] = { type: control.type, ...(control.short ? { short: control.short } : {}) };
  }
  return { options, allowPositionals: true, allowNegative: true, strict: true } as ParseArgsConfig;
}

export function parseCreateArgs(argv: string[]): CreateOptions {
  let parsed: ReturnType<typeof parseArgs>;
  const config = parseConfig();
  try {
    parsed = parseArgs({ ...config, args: argv });
  } catch (error) {
    // An unknown flag anywhere is named first, with the closest known one (parseArgs names
    // only the first problem it meets, and suggests nothing).
    const unknown = unknownFlag(argv, config.options as Parameters<typeof unknownFlag>[1], true);
    if (unknown) {
      throw new UsageError('SHOVEL_ERR_USAGE', `unknown flag ${unknown.typed}${unknown.suggestion ? `: did you mean ${unknown.suggestion}?` : ''}`, {
        hint: 'run create-shovel --help for every flag',
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError('SHOVEL_ERR_USAGE', message.replace(/\. To specify a positional.*$/s, '.'), {
      hint: 'run create-shovel --help for every flag',
    });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError('SHOVEL_ERR_USAGE', `expected one target directory, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  const flags: Partial<Record<InputKey, string>> = {};
  for (const input of INPUTS) {
    const raw = values[input.flag];
    if (typeof raw === 'string') flags[input.key] = raw;
  }
  const bool = (name: string, fallback = false) => (typeof values[name] === 'boolean' ? (values[name] as boolean) : fallback);
  return {
    directory: positionals[0],
    flags,
    yes: bool('yes'),
    answersFile: typeof values.answers === 'string' ? values.answers : undefined,
    force: bool('force'),
    dryRun: bool('dry-run'),
    json: bool('json'),
    git: bool('git', true),
    install: bool('install', true),
    release: bool('release'),
    help: bool('help'),
    version: bool('version'),
  };
}

function describeDefault(value: unknown): string {
  if (typeof value === 'function') return '';
  if (value === undefined) return ' (required)';
  if (value === '') return ' (default: none)';
  return ` (default: ${String(value)})`;
}

export function createHelp(version: string, columns?: number): string {
  const rows: [string, string][] = [];
  for (const input of INPUTS) {
    const value = input.type === 'string' ? 'TEXT' : input.type === 'integer' ? 'N' : 'NUM';
    const dflt =
      input.key === 'name'
        ? ' (default: the directory name)'
        : typeof input.default === 'function'
          ? ` (default: ${input.default({ name: '<name>' })})`
          : describeDefault(input.default);
    rows.push([`--${input.flag} ${value}`, `${input.help}${dflt}`]);
  }
  const controls: [string, string][] = (CONTROL_FLAGS as readonly ControlFlag[]).map((c) => {
    const short = c.short ? `-${c.short}, ` : '';
    const name = c.default === true ? `--no-${c.flag}` : `${short}--${c.flag}${c.value ? ` ${c.value}` : ''}`;
    return [name, c.help];
  });
  // One table for both sections, so their second columns line up.
  const width = columns ?? (process.stdout.columns || 80);
  const all = helpRows([...rows, ...controls], width);
  const split = all.findIndex((line) => line.startsWith(`  ${controls[0]![0]}`));
  return [
    ...wrap(`create-shovel ${version}: generate a Fastify service ready to release to Marathon`, width),
    '',
    'Usage: npm create shovel@latest [directory] -- [options]',
    '       create-shovel [directory] [options]',
    '',
    'Inputs (prompted for in a terminal when not given):',
    ...all.slice(0, split),
    '',
    'Options:',
    ...all.slice(split),
    '',
    ...wrap('Without a terminal, or with CI=true, create-shovel never prompts: a required input that is missing is an error (exit 2) that lists every missing flag.', width),
    '',
    ...wrap('Exit codes: 0 done, 1 a step failed, 2 bad usage or input, 130 interrupted.', width),
  ].join('\n');
}
