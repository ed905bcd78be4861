/** Colours only for a terminal, and never with NO_COLOR set (https://no-color.org). */
import { createRequire } from 'node:module';
import type Picocolors from 'picocolors';

export type Colors = Pick<typeof Picocolors, 'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'cyan'>;

let pc: typeof Picocolors | undefined;

/**
 * picocolors, loaded on the first coloured output: most runs (CI logs, pipes) print none, and
 * loading it looks at process.stdout, which makes that stream.
 */
function picocolors(): typeof Picocolors {
  pc ??= createRequire(import.meta.url)('picocolors') as typeof Picocolors;
  return pc;
}

const plain: Colors = {
  red: String,
  green: String,
  yellow: String,
  dim: String,
  bold: String,
  cyan: String,
};

export function useColor(stream: NodeJS.WritableStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean((stream as NodeJS.WriteStream).isTTY);
}

export function colors(stream: NodeJS.WritableStream): Colors {
  return useColor(stream) ? picocolors() : plain;
}
