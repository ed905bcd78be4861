/**
 * The generated package-lock.json: the pinned lockfile under the service's name and version
 * (lockfileFor in versions.ts), printed by `{{jsonBlock lockfile 0}}`. Parsing its 80 KB of
 * JSON and printing them again was the largest single cost of a run, so the build
 * (precompile.ts) prints it once with stand-in values, beside a copy of the pinned lockfile it
 * printed. A run whose pinned lockfile is still that one puts its own values in place of the
 * stand-ins; otherwise (refreshed since the build, or no build) the object is made and printed
 * as before. The build checks that both ways give the same text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { selfPackage } from '../util/self.js';
import { lockfileFor, versionTableDir, type Lockfile } from '../versions.js';
import { JsonText } from './helpers.js';

export interface PreparedLockfile {
  /** versions/service/package-lock.json as the build read it. */
  pinned: Buffer;
  /** The printed lockfile, with the stand-ins where the service's name and version go. */
  printed: string;
}

const STAND_IN = { name: '\u0000shovel-name\u0000', version: '\u0000shovel-version\u0000' };
const MARK = { name: JSON.stringify(STAND_IN.name), version: JSON.stringify(STAND_IN.version) };

function pinnedPath(): string {
  return path.join(versionTableDir(), 'package-lock.json');
}

/** The printed lockfile with the service's name and version in place of the stand-ins. */
export function fillPrinted(printed: string, name: string, version: string): string {
  return printed.split(MARK.name).join(JSON.stringify(name)).split(MARK.version).join(JSON.stringify(version));
}

/** Build step: the lockfile printed with stand-ins, checked against printing it outright. */
export function prepareLockfile(): PreparedLockfile {
  const prepared = { pinned: readFileSync(pinnedPath()), printed: JSON.stringify(lockfileFor(STAND_IN.name, STAND_IN.version), null, 2) };
  const check = ['orders-check', '9.8.7'] as const;
  if (fillPrinted(prepared.printed, ...check) !== JSON.stringify(lockfileFor(...check), null, 2)) {
    throw new Error('the prepared lockfile does not print as lockfileFor does');
  }
  return prepared;
}

/** Where the build writes them (precompile.ts) and a run reads them. */
export function preparedLockfilePaths(root = selfPackage().root): { pinned: string; printed: string } {
  const dir = path.join(root, 'dist', 'templates');
  return { pinned: path.join(dir, 'lockfile.pinned'), printed: path.join(dir, 'lockfile.printed') };
}

let printed: string | null | undefined;

function printedForThisLockfile(): string | undefined {
  if (printed === undefined) {
    const paths = preparedLockfilePaths();
    try {
      printed = readFileSync(paths.pinned).equals(readFileSync(pinnedPath())) ? readFileSync(paths.printed, 'utf8') : null;
    } catch {
      // No build, or an unreadable one: printing the object is always right.
      printed = null;
    }
  }
  return printed ?? undefined;
}

/** The template's `lockfile`: the text made ahead when it still applies, else the object. */
export function lockfileData(name: string, version: string): Lockfile | JsonText {
  const made = printedForThisLockfile();
  return made !== undefined ? new JsonText(fillPrinted(made, name, version)) : lockfileFor(name, version);
}
