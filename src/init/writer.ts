/**
 * The shovel.yml `shovel init` writes: commented, every value the loader's own schema
 * accepts (checked with parseConfig before writing), and never over an existing file.
 */
import { writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { healthcheckUrl, metricsPortFor, type HealthTimings } from './defaults.js';
import type { ImageFacts } from './image-facts.js';
import type { InitAnswers } from './inputs.js';

/** A YAML scalar: JSON's double-quoted strings are YAML's too. */
const q = (value: string) => JSON.stringify(value);

/** Dockerfile text shown in a comment: one line, printable, not too long. */
function shown(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

export function renderShovelYml(answers: InitAnswers, facts: ImageFacts, timings: HealthTimings, dockerfile = 'Dockerfile'): string {
  const exposed = facts.expose.find((p) => p.port === answers.port && p.protocol === 'tcp');
  const check = facts.healthcheck;
  const url = healthcheckUrl(check);
  const command = check?.command === undefined ? '' : Array.isArray(check.command) ? check.command.join(' ') : check.command;
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
    exposed ? `  # EXPOSE ${exposed.port} (${dockerfile} line ${exposed.line}): the port the service listens on in its container.` : '  # The port the service listens on in its container.',
    `  http: ${answers.port}`,
    '  # A private port for metrics, never behind the public URL; it must differ from http.',
    `  metrics: ${metricsPortFor(answers.port, facts)}`,
    answers.publicHost
      ? `publicHost: ${q(answers.publicHost)}`
      : '# publicHost: orders.example.com   (the public URL, through marathon-lb; none: internal only)',
    'health:',
    url && command
      ? `  # From HEALTHCHECK (${dockerfile} line ${check!.line}): ${shown(command)}`
      : check && !check.disabled && command
        ? `  # HEALTHCHECK (${dockerfile} line ${check.line}) runs ${shown(command)}; these checks are HTTP GETs of a path.`
        : '  # HTTP GETs of these paths must answer 200 while the service is alive and ready.',
    `  liveness: ${q(answers.healthPath)}`,
    `  readiness: ${q(answers.healthPath)}`,
    ...Object.entries(timings).map(([key, value]) => `  ${key}: ${value}`),
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
