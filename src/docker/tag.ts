/**
 * Image tags. Every build gets a tag no other build can have (version + commit), because a
 * reused tag makes "which code is running?" unanswerable and caches on agents serve stale
 * images. A dirty tree adds a timestamp: its code is not the commit's.
 */

/** Docker tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** 2024-05-01T12:03:04.567Z -> 20240501T120304Z (no colons: they are not allowed in tags). */
export function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll('-', '').replaceAll(':', '');
}

export interface TagParts {
  /** package.json version, e.g. 1.2.0 or 1.2.0-rc.1+build.5 */
  version: string;
  /** Commit sha (full or short); the first 7 characters are used. */
  sha: string;
  /** Set when the working tree has uncommitted changes (with --allow-dirty). */
  dirtyAt?: Date;
}

export function imageTag({ version, sha, dirtyAt }: TagParts): string {
  // semver build metadata uses "+", which tags cannot hold.
  const safeVersion = version.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '') || '0.0.0';
  const short = sha.slice(0, 7);
  const tag = `${safeVersion}-${short}${dirtyAt ? `-dirty.${compactTimestamp(dirtyAt)}` : ''}`;
  if (!TAG.test(tag)) throw new Error(`internal: generated an invalid image tag ${JSON.stringify(tag)}`);
  return tag;
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** The registry host part of a repository, as Docker decides it. */
export function registryHostOf(repository: string): string {
  const first = repository.split('/')[0] ?? '';
  const hasHost = repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasHost ? first : 'docker.io';
}

/** The repository of an image reference: `redis:7.0.15` -> `redis`, `a:5000/b@sha256:...` -> `a:5000/b`. */
export function repositoryOfRef(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** The version an image reference states: its tag, else the start of its digest (`sha256-0123456789ab`). */
export function refVersion(ref: string): string {
  const [name, digest] = ref.split('@') as [string, string | undefined];
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return name.slice(colon + 1);
  return digest ? digest.replace(':', '-').slice(0, 19) : 'upstream';
}
