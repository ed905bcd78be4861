/**
 * Ordering of create-shovel versions (semver 2: major.minor.patch, an optional pre-release,
 * build metadata ignored). Shovel carries no semver library at run time; this is all it needs.
 */

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function isVersion(text: string): boolean {
  return SEMVER.test(text);
}

function comparePre(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  // A release is newer than any of its pre-releases.
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) < Number(y) ? -1 : 1;
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Negative when a is older than b, 0 when equal, positive when newer. Throws on a non-version. */
export function compareVersions(a: string, b: string): number {
  const ma = SEMVER.exec(a);
  const mb = SEMVER.exec(b);
  if (!ma || !mb) throw new TypeError(`not a version: ${ma ? b : a}`);
  for (let i = 1; i <= 3; i += 1) {
    const d = Number(ma[i]) - Number(mb[i]);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return comparePre(ma[4], mb[4]);
}

/** The versions sorted oldest first, without duplicates. */
export function sortVersions(versions: Iterable<string>): string[] {
  return [...new Set(versions)].filter(isVersion).sort(compareVersions);
}
