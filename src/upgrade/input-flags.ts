/**
 * Input flags for the new render (`shovel upgrade -- --instances 3 --public-host x.example.com`):
 * values for inputs the target version added, or changed answers. They go to the target
 * version's create-shovel, which knows its own inputs and validates them; only its control
 * flags are refused here, so that an upgrade never releases, forces or skips anything.
 */
import { UsageError } from '../errors.js';
import { CONTROL_FLAGS } from '../inputs/options.js';

const CONTROL = new Set<string>(CONTROL_FLAGS.flatMap((c) => [c.flag, `no-${c.flag}`]));

/** Normalise to `--name=value` pairs; throws on anything else. */
export function inputFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new UsageError('SHOVEL_ERR_USAGE', `After --, give input flags such as --instances 3 (got "${arg}").`);
    const [, name, inline] = match as unknown as [string, string, string | undefined];
    if (CONTROL.has(name)) throw new UsageError('SHOVEL_ERR_USAGE', `--${name} steers create-shovel itself, not an input: it cannot be given to shovel upgrade.`);
    let value = inline;
    if (value === undefined) {
      value = args[i + 1];
      if (value === undefined) throw new UsageError('SHOVEL_ERR_USAGE', `--${name} needs a value.`);
      i += 1;
    }
    out.push(`--${name}=${value}`);
  }
  return out;
}
