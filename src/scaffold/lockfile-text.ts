/**
 * The generated package-lock.json: the pinned lockfile under the service's name and version
 * (lockfileFor in versions.ts), printed by `{{jsonBlock lockfile 0}}`. Parsing its 80 KB of
 * JSON and printing them again was the largest single cost of a run, so the build
 * (precompile.ts) prints it once with stand-in values and records the text between them, with
 * the pinned lockfile it printed. A run whose pinned lockfile is still that one joins the
 * pieces around its own values; otherwise (refreshed since the build, or no build) the object
 * is made and printed as before. The build checks that both ways give the same text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { selfPackage } from '../util/self.js';
import { lockfileFor, versionTableDir, type Lockfile } from '../versions.js';
import { JsonText } from './helpers.js';

export interface PreparedLockfile {
  /** versions/service/package-lock.json as the build read it. */
  source: string;
  /** The printed lockfile, cut at each of its values in `holes`. */
  pieces: string[];
  holes: ('name' | 'version')[];
}

const STAND_IN = { name: '\u0000shovel-name\u0000', version: '\u0000shovel-version\u0000' };

function pinnedSource(): string {
  return readFileSync(path.join(versionTableDir(), 'package-lock.json'), 'utf8');
}

function join(prepared: PreparedLockfile, name: string, version: string): string {
  const values = { name: JSON.stringify(name), version: JSON.stringify(version) };
  let text = prepared.pieces[0] ?? '';
  prepared.holes.forEach((hole, i) => {
    text += values[hole] + (prepared.pieces[i + 1] ?? '');
  });
  return text;
}

/** Build step: the pieces of the printed lockfile, checked against printing it outright. */
export function prepareLockfile(): PreparedLockfile {
  const text = JSON.stringify(lockfileFor(STAND_IN.name, STAND_IN.version), null, 2);
  const marks = { name: JSON.stringify(STAND_IN.name), version: JSON.stringify(STAND_IN.version) };
  const pieces: string[] = [];
  const holes: ('name' | 'version')[] = [];
  let at = 0;
  for (;;) {
    const next = (['name', 'version'] as const)
      .map((hole) => ({ hole, index: text.indexOf(marks[hole], at) }))
      .filter((m) => m.index >= 0)
      .sort((a, b) => a.index - b.index)[0];
    if (!next) break;
    pieces.push(text.slice(at, next.index));
    holes.push(next.hole);
    at = next.index + marks[next.hole].length;
  }
  pieces.push(text.slice(at));
  const prepared = { source: pinnedSource(), pieces, holes };
  const check = ['orders-check', '9.8.7'] as const;
  if (join(prepared, ...check) !== JSON.stringify(lockfileFor(...check), null, 2)) {
    throw new Error('the prepared lockfile does not print as lockfileFor does');
  }
  return prepared;
}

/** Where the build writes it (precompile.ts) and a run reads it. */
export function preparedLockfilePath(root = selfPackage().root): string {
  return path.join(root, 'dist', 'templates', 'lockfile.json');
}

let prepared: PreparedLockfile | null | undefined;

function preparedForThisLockfile(): PreparedLockfile | undefined {
  if (prepared === undefined) {
    try {
      const made = JSON.parse(readFileSync(preparedLockfilePath(), 'utf8')) as PreparedLockfile;
      prepared = made.source === pinnedSource() ? made : null;
    } catch {
      // No build, or an unreadable one: printing the object is always right.
      prepared = null;
    }
  }
  return prepared ?? undefined;
}

/** The template's `lockfile`: the text made ahead when it still applies, else the object. */
export function lockfileData(name: string, version: string): Lockfile | JsonText {
  const made = preparedForThisLockfile();
  return made ? new JsonText(join(made, name, version)) : lockfileFor(name, version);
}
