/**
 * Values taken from the releasing shell: in shovel.yml, `${VAR}` inside an env value is
 * replaced by VAR of the shell that runs `shovel release`, and `$${` writes a literal `${`.
 * Such values are secrets: they are passed to the container without ever appearing on a
 * command line, in output or in a record.
 */
import type { ShovelConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { TargetName } from './preflight.js';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The shell variables a value reads (empty: a literal value). */
export function shellReferences(value: string): string[] {
  const names: string[] = [];
  for (const m of value.matchAll(REFERENCE)) if (m[1]) names.push(m[1]);
  return names;
}

/** Whether a value must be resolved in the releasing shell (it reads a variable or escapes `${`). */
export function readsShell(value: string): boolean {
  return value.includes('${');
}

/** The value with every `${VAR}` replaced; `missing` names the variables the shell lacks. */
export function resolveShellValue(value: string, shell: NodeJS.ProcessEnv): { value: string; missing: string[] } {
  const missing: string[] = [];
  const out = value.replace(REFERENCE, (whole, name: string | undefined) => {
    if (!name) return '${';
    const found = shell[name];
    if (found === undefined) {
      missing.push(name);
      return '';
    }
    return found;
  });
  return { value: out, missing };
}

/** The error of a release whose shell variables are not all set (Preflight, and the docker plan). */
export function missingShellError(missing: readonly string[]): UsageError {
  return new UsageError('SHOVEL_ERR_SHELL_VARIABLE', `shovel.yml takes ${missing.join(', ')} from the releasing shell, and ${missing.length === 1 ? 'it is' : 'they are'} not set.`, {
    hint: `Export ${missing.join(', ')} before shovel release (the values are never printed or recorded).`,
  });
}

/** The shell variables env values read (and, on the docker target, the secrets) that `env` lacks. */
export function unsetShellVariables(config: ShovelConfig, env: NodeJS.ProcessEnv, target: TargetName): string[] {
  const wanted = Object.values(config.env).flatMap((value) => shellReferences(value));
  // The docker target has no secret store: a secret's value comes from the shell, by its name.
  if (target === 'docker') wanted.push(...Object.keys(config.secrets));
  return [...new Set(wanted)].filter((name) => env[name] === undefined);
}

/** Values (build.args, env) with every `${VAR}` taken from `env`; the values that came from it are secrets. */
export function resolveShellValues(args: Record<string, string>, env: NodeJS.ProcessEnv): { args: Record<string, string>; secrets: string[]; missing: string[] } {
  const out: Record<string, string> = {};
  const secrets: string[] = [];
  const missing: string[] = [];
  for (const [name, raw] of Object.entries(args)) {
    const resolved = resolveShellValue(raw, env);
    out[name] = resolved.value;
    missing.push(...resolved.missing);
    if (resolved.value !== raw) secrets.push(resolved.value);
  }
  return { args: out, secrets, missing: [...new Set(missing)] };
}
