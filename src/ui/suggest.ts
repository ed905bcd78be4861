import { parseArgs } from 'node:util';

/**
 * "Did you mean": the known word closest to a mistyped one (optimal string alignment
 * distance: insertions, deletions, substitutions and swaps of neighbours), when it is close
 * enough to be a typo rather than another word.
 */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

export function closest(word: string, known: readonly string[]): string | undefined {
  // Leading dashes of flags are not part of what was mistyped.
  const bare = (w: string) => w.replace(/^-+/, '');
  const typed = bare(word);
  const limit = Math.max(1, Math.min(3, Math.floor(typed.length / 3)));
  let best: { word: string; d: number } | undefined;
  for (const candidate of known) {
    const d = bare(candidate).startsWith(typed) && typed.length >= 3 ? 0.5 : distance(typed, bare(candidate));
    if (d <= limit && (!best || d < best.d)) best = { word: candidate, d };
  }
  return best?.word;
}

/** Wraps `text` to lines of at most `width` characters, breaking at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Two-column help rows, the second column wrapped to the terminal (`columns`, 80 when not a
 * terminal) and continued under itself.
 */
export function helpRows(rows: readonly [string, string][], columns = process.stdout.columns || 80): string[] {
  const keyWidth = Math.max(...rows.map(([k]) => k.length)) + 2;
  const indent = 2 + keyWidth;
  const room = Math.max(30, columns - indent - 1);
  return rows.flatMap(([key, text]) => {
    const [first = '', ...rest] = wrap(text, room);
    if (key.length + 2 > keyWidth) return [`  ${key}`, ...[first, ...rest].map((l) => `${' '.repeat(indent)}${l}`)];
    return [`  ${key.padEnd(keyWidth)}${first}`, ...rest.map((l) => `${' '.repeat(indent)}${l}`)];
  });
}

type OptionsConfig = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * The first flag of `argv` that `options` does not know, with the closest known one: what
 * parseArgs' own error ("Unknown option") cannot say. `negatable` flags also exist as --no-x.
 */
export function unknownFlag(argv: readonly string[], options: OptionsConfig, negatable = false): { typed: string; suggestion?: string } | undefined {
  const known = Object.entries(options).flatMap(([name, o]) => [
    `--${name}`,
    ...(negatable && o.type === 'boolean' ? [`--no-${name}`] : []),
    ...(o.short ? [`-${o.short}`] : []),
  ]);
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const name = negatable ? token.name.replace(/^no-/, '') : token.name;
    if (name in options) continue;
    const typed = token.rawName.split('=')[0]!;
    const suggestion = closest(typed, known);
    return suggestion ? { typed, suggestion } : { typed };
  }
  return undefined;
}
