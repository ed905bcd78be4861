/** The results table: printed to the terminal and written as bench/results.md. */
import { fixed } from './stats.js';

/**
 * @typedef {{ metric: string, shovel: string, baseline: string, ratio?: number, target: string,
 *   pass?: boolean, command: string }} Row
 * @typedef {{ metric: string, skipped: string, command?: string }} SkippedRow
 */

function verdict(row) {
  if ('skipped' in row) return 'skipped';
  if (row.pass === undefined) return row.target ? 'info' : '';
  return row.pass ? 'PASS' : 'FAIL';
}

/** @param {(Row | SkippedRow)[]} rows @returns {string[][]} */
function cells(rows) {
  return rows.map((row, i) =>
    'skipped' in row
      ? [String(i + 1), row.metric, clip(row.skipped, 90), '', '', '', row.skipped.startsWith('FAILED') ? 'FAIL' : 'skipped']
      : [String(i + 1), row.metric, row.shovel, row.baseline, row.ratio === undefined || !Number.isFinite(row.ratio) ? '' : `${fixed(row.ratio, 2)}x`, row.target, verdict(row)],
  );
}

const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

const HEADER = ['#', 'metric', 'shovel', 'baseline', 'ratio', 'target', 'result'];

/** A markdown table padded so it also reads well in a terminal. */
export function table(rows) {
  const body = cells(rows).map((line) => line.map((cell) => cell.replaceAll('|', '\\|')));
  const widths = HEADER.map((head, col) => Math.max(head.length, ...body.map((line) => line[col].length)));
  const format = (line) => `| ${line.map((cell, col) => cell.padEnd(widths[col])).join(' | ')} |`;
  return [format(HEADER), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(format)].join('\n');
}

/** "How each row was measured": the command behind every row number (runs of one command merged). */
export function commands(rows) {
  const commandOf = (row) => row.command ?? ('skipped' in row ? `skipped: ${row.skipped}` : '');
  const lines = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j + 1 < rows.length && commandOf(rows[j + 1]) === commandOf(rows[i])) j += 1;
    lines.push(`${i + 1}${j > i ? `-${j + 1}` : ''}. ${commandOf(rows[i])}`);
    i = j + 1;
  }
  return lines.join('\n');
}

/**
 * @param {{ rows: (Row | SkippedRow)[], notes: string[], context: string[], title: string }} results
 */
export function markdown({ rows, notes, context, title }) {
  return [
    `# ${title}`,
    '',
    ...context.map((line) => `- ${line}`),
    '',
    table(rows),
    '',
    '## How each row was measured',
    '',
    commands(rows),
    '',
    '## Notes',
    '',
    ...notes.map((line) => `- ${line}`),
    '',
  ].join('\n');
}
