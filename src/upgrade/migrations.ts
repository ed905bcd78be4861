/**
 * Migrations: small steps a template version carries for what a merge cannot express (a
 * shovel.yml key renamed, a file moved by rule). Upgrade runs those of every version after the
 * service's and up to the target, oldest first, between the renders: on the old render and
 * on your files alike, so that the merge then sees your edits in the new vocabulary.
 *
 * The table lives in each version's own package (dist/src/upgrade/migrations.js), so an
 * upgrade to version N runs the migrations N ships, whatever version runs the upgrade.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compareVersions } from './version-order.js';

export interface MigrationContext {
  /** The tree to migrate: the old render, or a copy of your committed files. */
  dir: string;
  answers: Record<string, unknown>;
}

export interface Migration {
  /** The create-shovel version that introduced the change this migrates to. */
  version: string;
  description: string;
  run(context: MigrationContext): Promise<void>;
}

/** The migrations of this version of create-shovel (none yet: 0.1.0 is the first). */
export const MIGRATIONS: readonly Migration[] = [];

/** Migrations for an upgrade from `from` to `to`: from < version <= to, oldest first. */
export function pendingMigrations(table: readonly Migration[], from: string, to: string): Migration[] {
  return table
    .filter((m) => compareVersions(m.version, from) > 0 && compareVersions(m.version, to) <= 0)
    .sort((a, b) => compareVersions(a.version, b.version));
}

/** The table a package ships; a version from before migrations existed ships none. */
export async function loadMigrations(packageRoot: string): Promise<readonly Migration[]> {
  const file = path.join(packageRoot, 'dist', 'src', 'upgrade', 'migrations.js');
  if (!(await stat(file).catch(() => undefined))) return [];
  const loaded = (await import(pathToFileURL(file).href)) as { MIGRATIONS?: readonly Migration[] };
  return loaded.MIGRATIONS ?? [];
}
