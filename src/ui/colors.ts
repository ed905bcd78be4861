/** Colours only for a terminal, and never with NO_COLOR set (https://no-color.org). */
import pc from 'picocolors';

export type Colors = Pick<typeof pc, 'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'cyan'>;

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
  return useColor(stream) ? pc : plain;
}
