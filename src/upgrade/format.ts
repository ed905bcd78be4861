/** What `shovel upgrade` says, as text (the CLI prints it; --json prints the result itself). */
import { LOCKFILE, MANIFEST } from './lockfile.js';
import type { UpgradeResult } from './upgrade.js';

function list(title: string, items: string[]): string[] {
  return items.length === 0 ? [] : [title, ...items.map((i) => `  ${i}`)];
}

export function formatUpgrade(r: UpgradeResult): string {
  const head = r.from === r.to ? `${r.service}: create-shovel ${r.to}, answers changed` : `${r.service}: create-shovel ${r.from} -> ${r.to}`;
  if (r.outcome === 'current') return `✔ ${r.service} is already on create-shovel ${r.to}; nothing to upgrade.`;
  const lines: string[] = [];
  const n = r.changes.length;
  if (r.outcome === 'planned') {
    lines.push(r.diff ?? '', `Dry run, nothing written. ${head}: ${n} file${n === 1 ? '' : 's'} would change${r.conflicts.length ? `, ${r.conflicts.length} with conflicts` : ''}.`);
  } else if (r.outcome === 'merged') {
    lines.push(`✔ ${head}: merged cleanly, ${n} file${n === 1 ? '' : 's'} changed (staged, not committed).`);
  } else {
    lines.push(`✖ ${head}: merged with ${r.conflicts.length} conflict${r.conflicts.length === 1 ? '' : 's'}, ${n} file${n === 1 ? '' : 's'} changed (not committed).`);
  }
  if (r.outcome !== 'planned') lines.push(...r.changes.map((c) => `  ${c.replace('\t', ' ')}`));
  lines.push(...list(r.outcome === 'planned' ? 'Migrations (run on copies only):' : 'Migrations run:', r.migrations));
  lines.push(...list('New inputs (asked, given after --, or their defaults; change one later with shovel upgrade -- --<input> <value>):', Object.entries(r.newInputs).map(([k, v]) => `${k} = ${JSON.stringify(v)}`)));
  lines.push(...list('Changed answers:', Object.entries(r.changedAnswers).map(([k, [a, b]]) => `${k}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`)));
  lines.push(...list('Kept deleted (you deleted them; the template changed them):', r.keptDeleted));
  lines.push(...list('Kept yours (you changed them; the template no longer has them):', r.keptYours));
  lines.push(...list(r.outcome === 'planned' ? 'Would conflict:' : 'Conflicts (marked inline with <<<<<<< yours / >>>>>>> create-shovel@...; resolve, then git add):', r.conflicts));
  if (r.lockfile === 'conflict') lines.push(`${LOCKFILE} conflicts: once ${MANIFEST} is resolved, run npm install --package-lock-only.`);
  if (r.outcome !== 'planned') lines.push('Next: review with git diff --cached (and git diff), run npm ci && npm test, then commit.');
  return `${lines.join('\n')}\n`;
}
