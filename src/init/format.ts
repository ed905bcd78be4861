/** What `shovel init` says when it has written shovel.yml (the CLI prints it). */
import path from 'node:path';
import { describeCheck } from '../config/schema.js';
import type { InitResult } from './index.js';

export function formatInit(result: InitResult, cwd: string): string {
  const { config } = result;
  const ports = config.ports.map((p) => `${p.name} ${p.containerPort}`).join(', ') || 'no ports';
  const lines = [
    `✔ Wrote ${path.relative(cwd, result.file) || result.file}: service ${config.service.id}, image ${config.image.repository}, ${ports}, health ${describeCheck(config.health.liveness)}`,
    `  ${config.resources.instances} instance(s) of ${config.resources.cpus} CPU and ${config.resources.memory} MiB; ${config.marathon.url ? `Marathon ${config.marathon.url}` : 'the local Docker engine'}${config.publicHost ? `; public at ${config.publicHost}` : ''}`,
    ...result.notes.map((n) => `  note: ${n}`),
    '  Next: commit it, then shovel release.',
  ];
  return `${lines.join('\n')}\n`;
}
