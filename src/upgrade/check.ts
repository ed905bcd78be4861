/**
 * `shovel check`: is the service on the newest template version this machine knows (or on
 * --to)? Reads the answers record and the cache listing only, so it costs milliseconds in CI.
 */
import { UsageError } from '../errors.js';
import { cacheDir, knownVersions } from './cache.js';
import { readAnswersRecord } from './record.js';
import { compareVersions, isVersion } from './version-order.js';

export interface CheckResult {
  service: string;
  template: string;
  /** The create-shovel version the service was last rendered with. */
  version: string;
  /** The version it is checked against: --to, else the newest known. */
  target: string;
  current: boolean;
  /** Known versions newer than `version`, up to and including `target`. */
  behind: string[];
}

export async function checkService(options: { cwd: string; to?: string; cache?: string }): Promise<CheckResult> {
  if (options.to !== undefined && !isVersion(options.to)) {
    throw new UsageError('SHOVEL_ERR_USAGE', `--to must be a version such as 0.2.0 (got "${options.to}").`);
  }
  const record = await readAnswersRecord(options.cwd);
  const known = await knownVersions(options.cache ?? cacheDir());
  const target = options.to ?? known[known.length - 1]!;
  const newer = known.filter((v) => compareVersions(v, record.version) > 0 && compareVersions(v, target) <= 0);
  // --to a version not in the cache still counts as one step behind.
  const behind = compareVersions(target, record.version) > 0 && !newer.includes(target) ? [...newer, target] : newer;
  return {
    service: String(record.answers.name ?? ''),
    template: record.template,
    version: record.version,
    target,
    current: compareVersions(record.version, target) >= 0,
    behind,
  };
}

export function formatCheck(result: CheckResult): string {
  if (result.current && result.version !== result.target) {
    return `✔ ${result.service} is on create-shovel ${result.version} (template ${result.template}), newer than ${result.target}.`;
  }
  if (result.current) return `✔ ${result.service} is on create-shovel ${result.version} (template ${result.template}), current with ${result.target}.`;
  const n = result.behind.length;
  return (
    `✖ ${result.service} is on create-shovel ${result.version}, ${n} version${n === 1 ? '' : 's'} behind ${result.target} (${result.behind.join(', ')}).\n` +
    `  Run \`shovel upgrade${result.target ? ` --to ${result.target}` : ''}\` to take the template changes (a three-way merge that keeps your edits).`
  );
}
