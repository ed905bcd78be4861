/**
 * Values taken from the releasing shell: in shovel.yml, `${VAR}` inside an env value is
 * replaced by VAR of the shell that runs `shovel release`, and `$${` writes a literal `${`.
 * Such values are secrets: they are passed to the container without ever appearing on a
 * command line, in output or in a record.
 */

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
