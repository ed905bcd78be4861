/**
 * What the final stage of a Dockerfile says about the container: the ports it EXPOSEs, its
 * HEALTHCHECK and its USER. A stage built `FROM` an earlier stage inherits them, as Docker's
 * image config does; variables from ARG defaults and ENV are substituted as the builder does.
 * The base image's own settings are not known here (they are in the image, not the file).
 */
import { jsonForm, type Instruction } from './dockerfile.js';

export interface ExposedPort {
  port: number;
  protocol: string;
  line: number;
}

export interface HealthcheckFacts {
  /** HEALTHCHECK NONE. */
  disabled: boolean;
  /** The exec form as an array, the shell form as one string. */
  command?: string[] | string;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  startPeriodSeconds?: number;
  retries?: number;
  line: number;
}

export interface ImageFacts {
  expose: ExposedPort[];
  healthcheck?: HealthcheckFacts;
  /** USER as written (name or uid, with an optional :group). */
  user?: string;
  /** Things read but not understood, each naming its line. */
  notes: string[];
}

interface Stage extends ImageFacts {
  name?: string;
  vars: Map<string, string>;
}

/** `$X`, `${X}`, `${X:-default}`, `${X:+alternative}`; `\$` stays a dollar. */
export function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, op, word, bare) => {
    if (whole === '\\$') return '$';
    const value = vars.get((braced ?? bare) as string);
    if (op === '-') return value ? value : (word as string);
    if (op === '+') return value ? (word as string) : '';
    return value ?? '';
  });
}

/** A Go duration (30s, 1m30s, 500ms) in whole seconds, rounded up; undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(n) * units[unit!]!;
  return Math.ceil(total - 1e-9);
}

/** Words of a shell-ish argument list (quotes grouped, no expansion). */
function words(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function parseHealthcheck(ins: Instruction, vars: ReadonlyMap<string, string>, notes: string[]): HealthcheckFacts | undefined {
  const args = substitute(ins.args, vars);
  if (/^none$/i.test(args)) return { disabled: true, line: ins.line };
  const cmd = /(?:^|\s)CMD(?:\s+|$)/i.exec(args);
  if (!cmd) {
    notes.push(`line ${ins.line}: HEALTHCHECK without CMD or NONE`);
    return undefined;
  }
  const facts: HealthcheckFacts = { disabled: false, line: ins.line };
  for (const option of words(args.slice(0, cmd.index))) {
    const m = /^--([a-z-]+)=(.+)$/.exec(option);
    const key = m?.[1];
    const value = m?.[2] ?? '';
    if (key === 'retries' && /^\d+$/.test(value)) facts.retries = Number(value);
    else if (key === 'interval' || key === 'timeout' || key === 'start-period') {
      const seconds = durationSeconds(value);
      if (seconds === undefined) notes.push(`line ${ins.line}: HEALTHCHECK --${key}=${value} is not a duration`);
      else facts[key === 'interval' ? 'intervalSeconds' : key === 'timeout' ? 'timeoutSeconds' : 'startPeriodSeconds'] = seconds;
    } else if (key !== 'start-interval') notes.push(`line ${ins.line}: HEALTHCHECK option ${option} not understood`);
  }
  const rest = args.slice(cmd.index + cmd[0].length).trim();
  facts.command = jsonForm(rest) ?? rest;
  return facts;
}

function parseExpose(ins: Instruction, vars: ReadonlyMap<string, string>, notes: string[]): ExposedPort[] {
  const out: ExposedPort[] = [];
  for (const word of words(substitute(ins.args, vars))) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
    const port = Number(m?.[1]);
    if (!m || port < 1 || port > 65535) {
      notes.push(`line ${ins.line}: EXPOSE ${word} is not a port`);
      continue;
    }
    out.push({ port, protocol: (m[3] ?? 'tcp').toLowerCase(), line: ins.line });
  }
  return out;
}

/** ENV a=b c=d, or the old ENV a b form; ARG a[=b]. */
function assignments(args: string, legacy: boolean): [string, string][] {
  if (legacy && !/^[^\s=]+=/.test(args)) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(args);
    return m ? [[m[1]!, m[2]!]] : [];
  }
  return words(args).map((w) => {
    const at = w.indexOf('=');
    return at < 0 ? [w, ''] : [w.slice(0, at), w.slice(at + 1)];
  });
}

export function imageFacts(instructions: readonly Instruction[]): ImageFacts {
  const stages: Stage[] = [];
  const globalArgs = new Map<string, string>();
  let stage: Stage | undefined;
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const parts = words(ins.args).filter((w) => !w.startsWith('--'));
      const image = substitute(parts[0] ?? '', globalArgs);
      const name = parts[1]?.toUpperCase() === 'AS' ? parts[2]?.toLowerCase() : undefined;
      const parent = stages.find((s) => s.name !== undefined && s.name === image.toLowerCase());
      stage = {
        ...(name ? { name } : {}),
        expose: parent ? [...parent.expose] : [],
        ...(parent?.healthcheck ? { healthcheck: parent.healthcheck } : {}),
        ...(parent?.user ? { user: parent.user } : {}),
        notes: parent ? [...parent.notes] : [],
        vars: new Map(parent ? parent.vars : []),
      };
      stages.push(stage);
      continue;
    }
    if (!stage) {
      if (ins.keyword === 'ARG') for (const [k, v] of assignments(ins.args, false)) globalArgs.set(k, v);
      continue;
    }
    const vars = stage.vars;
    switch (ins.keyword) {
      case 'ARG':
        for (const [k, v] of assignments(ins.args, false)) vars.set(k, v || (globalArgs.get(k) ?? vars.get(k) ?? ''));
        break;
      case 'ENV':
        for (const [k, v] of assignments(ins.args, true)) vars.set(k, substitute(v, vars));
        break;
      case 'EXPOSE':
        stage.expose.push(...parseExpose(ins, vars, stage.notes));
        break;
      case 'USER':
        stage.user = substitute(ins.args, vars);
        break;
      case 'HEALTHCHECK': {
        const facts = parseHealthcheck(ins, vars, stage.notes);
        if (facts) stage.healthcheck = facts;
        break;
      }
    }
  }
  if (!stage) return { expose: [], notes: ['the Dockerfile has no FROM'] };
  const { expose, healthcheck, user, notes } = stage;
  return { expose, ...(healthcheck ? { healthcheck } : {}), ...(user ? { user } : {}), notes };
}
