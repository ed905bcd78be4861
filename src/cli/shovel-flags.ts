/**
 * The one table of `shovel` commands and flags: it drives parseArgs, --help and the checks of
 * flag values, so they cannot disagree.
 */
import { INIT_INPUTS, initDefaultText } from '../init/inputs.js';

import { helpRows, wrap } from '../ui/suggest.js';

export type Command = 'release' | 'render' | 'status' | 'rollback' | 'logs' | 'history' | 'stop' | 'upgrade' | 'check' | 'fleet' | 'init';

export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder of a string value in --help. */
  value?: string;
  help: string;
  /** Shown as "(default: ...)". */
  defaultText?: string;
  commands: readonly Command[];
  choices?: readonly string[];
}

const ALL: readonly Command[] = ['release', 'render', 'status', 'rollback', 'logs', 'history', 'stop', 'upgrade', 'check', 'fleet', 'init'];
const RELEASING: readonly Command[] = ['release', 'render', 'status', 'rollback', 'logs', 'history', 'stop'];

export const FLAGS: readonly FlagSpec[] = [
  { name: 'config', type: 'string', value: 'PATH', help: 'Release config file', defaultText: 'shovel.yml', commands: [...RELEASING, 'init'] },
  { name: 'cwd', type: 'string', value: 'DIR', help: 'Service repository to work in', defaultText: 'current directory', commands: [...RELEASING, 'upgrade', 'check', 'init'] },
  {
    name: 'target',
    type: 'string',
    value: 'marathon|docker',
    help: 'Where to release',
    defaultText: 'marathon when marathon.url is set, else docker (the local engine)',
    commands: ['release', 'status', 'rollback', 'logs', 'history', 'stop'],
    choices: ['marathon', 'docker'],
  },
  {
    name: 'dry-run',
    type: 'boolean',
    help: 'release: print the plan and the rendered app definition, build, push and deploy nothing; upgrade: print the diff, write nothing',
    defaultText: 'off',
    commands: ['release', 'upgrade'],
  },
  {
    name: 'json',
    type: 'boolean',
    help: 'Print one JSON record on stdout (human output stays on stderr)',
    defaultText: 'off',
    commands: ['release', 'status', 'rollback', 'history', 'stop', 'upgrade', 'check', 'fleet'],
  },
  { name: 'allow-dirty', type: 'boolean', help: 'Release uncommitted changes (the tag ends in -dirty.<timestamp>)', defaultText: 'off', commands: ['release'] },
  {
    name: 'force',
    type: 'boolean',
    help: 'Marathon: override a deployment that holds the app (409); can leave old and new tasks mixed',
    defaultText: 'off',
    commands: ['release', 'rollback'],
  },
  {
    name: 'deadline',
    type: 'string',
    value: 'SECONDS',
    help: 'Deadline of the whole deployment, rollback included: the new version gets two thirds of it to become healthy; stop: until the last task is gone',
    defaultText: 'release.deadlineSeconds of shovel.yml (600)',
    commands: ['release', 'rollback', 'stop'],
  },
  {
    name: 'dialect',
    type: 'string',
    value: '1.x|0.15|0.11',
    help: 'Marathon app-definition dialect, instead of asking GET /v2/info',
    defaultText: 'from the Marathon version',
    commands: ['release', 'render'],
    choices: ['1.x', '0.15', '0.11'],
  },
  { name: 'image', type: 'string', value: 'REF', help: 'Image to render into the app definition', defaultText: '<image.repository>:<version>-<git sha>', commands: ['render'] },
  {
    name: 'to',
    type: 'string',
    value: 'VERSION',
    help: 'create-shovel version to upgrade to or check against',
    defaultText: 'the newest known: the installed one or one in the package cache',
    commands: ['upgrade', 'check'],
  },
  { name: 'from', type: 'string', value: 'FILE', help: 'A file listing service directories, one a line (# comments; relative to the file)', commands: ['fleet'] },
  ...INIT_INPUTS.map((input): FlagSpec => ({
    name: input.flag,
    type: 'string',
    value: input.type === 'string' ? 'TEXT' : 'N',
    help: input.help,
    defaultText: initDefaultText(input),
    commands: ['init'],
  })),
  { name: 'yes', type: 'boolean', short: 'y', help: 'init: take the proposed value of every input not given; never ask', defaultText: 'off', commands: ['init'] },
  { name: 'follow', type: 'boolean', short: 'f', help: 'logs: keep printing new output until Ctrl-C', defaultText: 'off', commands: ['logs'] },
  { name: 'tail', type: 'string', value: 'N', help: 'logs: only the last N lines of each container', defaultText: 'all', commands: ['logs'] },
  { name: 'help', type: 'boolean', short: 'h', help: 'Show this help', commands: ALL },
  {
    name: 'version',
    type: 'boolean',
    short: 'v',
    help: 'Show the shovel version; release, render: --version VERSION is the version to release (else version of shovel.yml, package.json, git describe)',
    commands: ALL,
  },
];

export const COMMANDS: ReadonlyArray<{ name: Command; args?: string; summary: string }> = [
  { name: 'release', summary: 'Build, push, deploy, wait until healthy; roll back otherwise. Exit 0 only when the new version serves and is healthy.' },
  { name: 'render', summary: 'Print the Marathon app definition (JSON) for the configured Marathon version or --dialect.' },
  { name: 'status', summary: 'Show the serving version, its tasks and their health.' },
  { name: 'rollback', args: '[version]', summary: 'Put the previous (or the given) version back, through the same health gate.' },
  { name: 'logs', summary: 'Print the output of the service\'s containers (docker target only; --follow, --tail N).' },
  { name: 'history', summary: 'List the releases and rollbacks recorded in .shovel/releases.log, newest first.' },
  { name: 'stop', summary: 'Stop every instance gracefully (kill grace period). Docker: containers kept, stopped; Marathon: scaled to 0.' },
  {
    name: 'upgrade',
    args: '[-- flags]',
    summary: 'Take the changes of a newer template version (or of changed inputs: -- --instances 3): a three-way merge that keeps your edits. Exit 1 with conflicts (listed).',
  },
  { name: 'check', summary: 'Exit 1 when the service is behind the newest known template version (or --to), 0 when current.' },
  { name: 'init', summary: 'Write a commented shovel.yml for the Dockerfile here (EXPOSE, HEALTHCHECK, USER); asks in a terminal, else --yes and flags. Never replaces one.' },
  { name: 'fleet', args: '<dir>...', summary: 'One table of services: team, template version, versions behind, local edits, last release.' },
];

/** The commands where `--version VERSION` names the version to release. */
export const RELEASE_VERSION_COMMANDS: readonly Command[] = ['release', 'render'];

/**
 * Takes `--version VERSION` and `--version=VERSION` out of argv (parseArgs knows --version as
 * the boolean that shows shovel's own version, which a bare `--version` or `-v` still does). A
 * following word is a value unless it is a flag or a command name.
 */
export function takeReleaseVersion(argv: readonly string[]): { args: string[]; releaseVersion?: string } {
  const args: string[] = [];
  let releaseVersion: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('--version=')) releaseVersion = arg.slice('--version='.length);
    else if (arg === '--version' && next !== undefined && !next.startsWith('-') && !COMMANDS.some((c) => c.name === next)) {
      releaseVersion = next;
      i += 1;
    } else args.push(arg);
  }
  return releaseVersion === undefined ? { args } : { args, releaseVersion };
}

export function helpText(version: string, columns = process.stdout.columns || 80): string {
  const flagRow = (f: FlagSpec): [string, string] => [
    `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`,
    `${f.help}${f.defaultText ? ` (default: ${f.defaultText})` : ''}; ${f.commands.length === ALL.length ? 'all commands' : f.commands.join(', ')}`,
  ];
  const env: [string, string][] = [
    ['SHOVEL_DOCKER', 'docker client binary (default: docker on PATH)'],
    ['SHOVEL_REGISTRY_USER/_PASSWORD', 'registry login into a temporary docker config (default: your docker login)'],
    ['SHOVEL_NODE_IMAGE', 'NODE_IMAGE build arg, overriding image.nodeImage'],
    ['MARATHON_USER/MARATHON_PASSWORD', 'Marathon HTTP Basic auth'],
    ['MARATHON_TOKEN', 'DC/OS token auth (Authorization: token=...)'],
    ['SHOVEL_CACHE_DIR', 'where obtained create-shovel versions are kept (default: ~/.cache/shovel)'],
  ];
  const prose = (text: string) => wrap(text, columns - 1);
  const lines = [
    ...prose(`shovel ${version}: release a service built from its Dockerfile and shovel.yml`),
    '',
    'Usage: shovel <command> [flags]',
    '',
    'Commands:',
    ...helpRows(COMMANDS.map((c) => [`${c.name}${c.args ? ` ${c.args}` : ''}`, c.summary]), columns),
    '',
    'Flags:',
    ...helpRows(FLAGS.map(flagRow), columns),
    '',
    'Environment:',
    ...helpRows(env, columns),
    '',
    ...prose('Exit codes: 0 released and healthy, 1 a step failed (rolled back), 2 bad flags or config, 130 interrupted. upgrade: 0 merged cleanly, 1 merged with conflicts (marked inline, listed) or a step failed; check: 0 current, 1 behind.'),
    ...prose('Records: git tag release/<image tag> (annotated with the JSON record, not pushed) and .shovel/releases.log.'),
  ];
  return `${lines.join('\n')}\n`;
}
