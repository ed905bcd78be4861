/** The fleet report as a Markdown table (the CLI prints it; --json prints the report itself). */
import type { FleetReport, FleetRow } from './fleet.js';

const cell = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('\n', ' ');

function edits(row: FleetRow): string {
  if (row.localEdits === undefined) return '';
  if (row.localEdits === null) return 'unknown (version not available)';
  const files = [...row.localEdits.modified, ...row.localEdits.deleted.map((f) => `${f} (deleted)`)];
  return files.length === 0 ? 'none' : `${files.length}: ${files.join(', ')}`;
}

function release(row: FleetRow): string {
  const r = row.lastRelease;
  if (!r) return row.error ? '' : 'none';
  return `${r.kind === 'rollback' ? 'rollback to ' : ''}${r.tag} ${r.outcome} (${r.target}, ${r.at.slice(0, 10)})`;
}

export function formatFleet(report: FleetReport): string {
  const header = ['service', 'team', 'template', 'version', 'behind', 'local edits of template files', 'last release'];
  const rows = report.services.map((r) =>
    r.error
      ? [r.dir, '', '', '', '', '', `error: ${r.error}`]
      : [r.service!, r.team!, r.template!, r.version!, r.behind!.length === 0 ? '0' : `${r.behind!.length} (newest ${report.newest})`, edits(r), release(r)],
  );
  const lines = [header, header.map(() => '---'), ...rows].map((cols) => `| ${cols.map(cell).join(' | ')} |`);
  return `${lines.join('\n')}\n\nNewest known create-shovel version: ${report.newest} (known: ${report.known.join(', ')}).\n`;
}
