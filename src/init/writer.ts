/**
 * The shovel.yml `shovel init` writes: commented, every value the loader's own schema
 * accepts (checked with parseConfig before writing), and never over an existing file.
 */
import { writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { healthcheckUrl, type HealthTimings } from './defaults.js';
import type { ImageFacts } from './image-facts.js';
import type { InitAnswers } from './inputs.js';

/** A YAML scalar: JSON's double-quoted strings are YAML's too. */
const q = (value: string) => JSON.stringify(value);

/** Dockerfile text shown in a comment: one line, printable, not too long. */
function shown(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

/** An argument of an exec-form command, quoted for sh -c where it needs it. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The HEALTHCHECK command as one sh -c line (the exec form joined, the shell form as is). */
export function commandLine(command: string[] | string): string {
  return Array.isArray(command) ? command.map(shellWord).join(' ') : command;
}

/** A port name of its own for each EXPOSE entry: `http` for the HTTP-checked main port, `main` else. */
function portNameOf(port: { port: number; protocol: string }, main: number, http: boolean): string {
  if (port.port === main && port.protocol === 'tcp') return http ? 'http' : 'main';
  return `${port.protocol === 'udp' ? 'udp' : 'port'}-${port.port}`;
}

export function renderShovelYml(answers: InitAnswers, facts: ImageFacts, timings: HealthTimings, dockerfile = 'Dockerfile'): string {
  const check = facts.healthcheck;
  const url = healthcheckUrl(check);
  const command = check && !check.disabled && check.command !== undefined ? commandLine(check.command) : '';
  const http = answers.healthPath !== undefined && answers.healthPath !== '';
  const mainName = portNameOf({ port: answers.port, protocol: 'tcp' }, answers.port, http);
  // The main port first (health checks and the public URL use it), then every other EXPOSE.
  const others = facts.expose.filter((p) => !(p.port === answers.port && p.protocol === 'tcp'));
  const mainExposed = facts.expose.find((p) => p.port === answers.port && p.protocol === 'tcp');
  const portLines = [
    mainExposed ? `  # EXPOSE ${mainExposed.port} (${dockerfile} line ${mainExposed.line}): the main port, in the container.` : '  # The main port the software listens on in its container.',
    `  - name: ${mainName}`,
    `    containerPort: ${answers.port}`,
    ...(answers.publicHost ? ['    public: true'] : []),
    ...others.flatMap((p) => [
      `  # EXPOSE ${p.port}/${p.protocol} (${dockerfile} line ${p.line}).`,
      `  - name: ${portNameOf(p, answers.port, http)}`,
      `    containerPort: ${p.port}`,
      ...(p.protocol === 'udp' ? ['    protocol: udp'] : []),
    ]),
  ];
  let healthComment: string;
  let probe: string;
  if (http) {
    healthComment = url ? `  # From HEALTHCHECK (${dockerfile} line ${check!.line}): ${shown(command)}` : '  # HTTP GETs of this path must answer 200 while the software is alive and ready.';
    probe = `{ http: ${q(answers.healthPath!)}, port: ${mainName} }`;
  } else if (command) {
    healthComment = `  # From HEALTHCHECK (${dockerfile} line ${check!.line}): run in the container, exit 0 is healthy.`;
    probe = `{ command: ${q(command)} }`;
  } else {
    healthComment = '  # No HEALTHCHECK with a command: the main port must accept TCP connections. An HTTP check: { http: /path, port: NAME }.';
    probe = `{ tcp: ${mainName} }`;
  }
  const lines = [
    `# How \`shovel release\` builds the image from ${dockerfile}, pushes it and deploys it.`,
    '# Written by `shovel init`; the README of create-shovel describes every key.',
    '# The release version: set `version: "1.2.0"` here, else package.json\'s version is used,',
    '# else `git describe --tags --always`; `shovel release --version 1.2.0` overrides all three.',
    ...(facts.user ? [`# The container runs as USER ${shown(facts.user)} (${dockerfile}).`] : []),
    'service:',
    '  # Marathon app id segment, image name and DNS label.',
    `  id: ${q(answers.name)}`,
    `  group: ${q(answers.marathonGroup)}`,
    'image:',
    '  # Pushed as <repository>:<version>-<git sha>.',
    `  repository: ${q(`${answers.imageRepository}/${answers.name}`)}`,
    'resources:',
    '  # Per instance: CPU shares and memory in MiB.',
    `  cpus: ${answers.cpus}`,
    `  memory: ${answers.memory}`,
    `  instances: ${answers.instances}`,
    'ports:',
    ...portLines,
    answers.publicHost
      ? `publicHost: ${q(answers.publicHost)}`
      : `# publicHost: orders.example.com   (the public URL of a port with public: true, through marathon-lb; none: internal only)`,
    '# metrics: { port: NAME, path: /metrics }   (where Prometheus metrics are served, if the software has them)',
    'health:',
    healthComment,
    `  liveness: ${probe}`,
    `  readiness: ${probe}`,
    ...Object.entries(timings).map(([key, value]) => `  ${key}: ${value}`),
    '# volumes: [{ containerPath: /data, persistent: { size: 1024 } }]   (data kept across releases)',
    'marathon:',
    '  # Empty: release to the local Docker engine instead of Marathon.',
    `  url: ${q(answers.marathonUrl)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Creates `file` with `text`; an existing file is never replaced (exit 2, nothing written). */
export async function writeNewFile(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyThere(file);
    throw error;
  }
}

export function alreadyThere(file: string): UsageError {
  return new UsageError('SHOVEL_ERR_INIT_EXISTS', `${file} already exists; shovel init never replaces it.`, {
    hint: 'Edit it, or remove it and run shovel init again.',
  });
}
