/**
 * Validation rules shared by the input schema and the release config. Each returns undefined
 * when the value is fine, or the rule it breaks, phrased so it reads after "must".
 */
import { builtinModules } from 'node:module';

export type Rule<T> = (value: T) => string | undefined;

const RESERVED_NAMES = new Set(['node_modules', 'favicon.ico', ...builtinModules]);
/** Marathon 1.8+ refuses app ids whose last segment ends with these words. */
const MARATHON_RESERVED_SUFFIXES = ['restart', 'tasks', 'versions'];

/** Printable text: no C0/C1 control characters except the ones a multi-line text needs. */
export function hasControlChars(value: string, allowNewlines: boolean): boolean {
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (allowNewlines && (ch === '\n' || ch === '\t')) continue;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
    if (code >= 0xd800 && code <= 0xdfff) return true; // lone surrogate
    if (code === 0xfffe || code === 0xffff) return true;
  }
  return false;
}

export const serviceName: Rule<string> = (value) => {
  if (value.length === 0) return 'not be empty';
  if (value.length > 63) return 'be at most 63 characters (a DNS label)';
  if (!/^[a-z0-9-]+$/.test(value)) {
    return 'use only lowercase letters, digits and hyphens (a DNS label, an npm name and a Marathon app id)';
  }
  if (!/^[a-z]/.test(value)) return 'start with a lowercase letter';
  if (value.endsWith('-')) return 'not end with a hyphen';
  if (RESERVED_NAMES.has(value)) return `not be a reserved npm name (${value} is a Node.js core module or reserved)`;
  const suffix = MARATHON_RESERVED_SUFFIXES.find((s) => value.endsWith(s));
  if (suffix) return `not end in "${suffix}" (Marathon 1.8+ reserves it in app ids)`;
  return undefined;
};

export function singleLineText(max: number): Rule<string> {
  return (value) => {
    if (value.trim().length === 0) return 'not be empty';
    if ([...value].length > max) return `be at most ${max} characters`;
    if (hasControlChars(value, false)) return 'be one line with no control characters';
    return undefined;
  };
}

export function multiLineText(max: number): Rule<string> {
  return (value) => {
    if (value.trim().length === 0) return 'not be empty';
    if ([...value].length > max) return `be at most ${max} characters`;
    if (hasControlChars(value, true)) return 'contain no control characters other than newlines and tabs';
    return undefined;
  };
}

export function integerBetween(min: number, max: number): Rule<number> {
  return (value) =>
    Number.isInteger(value) && value >= min && value <= max ? undefined : `be a whole number from ${min} to ${max}`;
}

export function numberBetween(min: number, max: number): Rule<number> {
  return (value) =>
    Number.isFinite(value) && value >= min && value <= max ? undefined : `be a number from ${min} to ${max}`;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const hostName: Rule<string> = (value) => {
  if (value === '') return undefined;
  if (value.length > 253) return 'be at most 253 characters';
  const labels = value.split('.');
  if (labels.length < 2 || !labels.every((l) => DNS_LABEL.test(l))) {
    return 'be a lowercase DNS host name such as orders.example.com (no scheme, port or path)';
  }
  return undefined;
};

/** `[host[:port]/]path` as Docker accepts it, lowercase, no tag (Shovel adds a unique tag). */
export const imageRepository: Rule<string> = (value) => {
  const ref = /^(?:(?:[a-z0-9]([a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
  if (!ref.test(value)) {
    return 'be a Docker repository such as registry.example.com:5000/payments (lowercase, no tag)';
  }
  return undefined;
};

/** An image reference with an explicit tag or digest; `latest` is never reproducible. */
export const baseImage: Rule<string> = (value) => {
  const match = /^([a-z0-9][a-z0-9._\-/:]*?)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
    value,
  );
  if (!match) return 'be a Docker image reference such as node:26-bookworm-slim';
  const [, , tag, digest] = match;
  if (!tag && !digest) return 'name a tag or digest (e.g. node:26-bookworm-slim), not an implicit latest';
  if (tag === 'latest') return 'not use the latest tag (releases must be reproducible)';
  return undefined;
};

export const httpUrl: Rule<string> = (value) => {
  if (value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'be an http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'be an http:// or https:// URL';
  if (url.username || url.password) {
    return 'not contain credentials (set MARATHON_USER/MARATHON_PASSWORD or MARATHON_TOKEN instead)';
  }
  if (url.search || url.hash) return 'not contain a query or fragment';
  return undefined;
};

const MARATHON_SEGMENT = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export const marathonGroup: Rule<string> = (value) => {
  if (value === '/') return undefined;
  if (!value.startsWith('/') || value.endsWith('/')) return 'be / or an absolute path such as /payments';
  const segments = value.slice(1).split('/');
  if (!segments.every((s) => MARATHON_SEGMENT.test(s))) {
    return 'use segments of lowercase letters, digits, hyphens and dots (Marathon app-id rules)';
  }
  return undefined;
};

/** A registry and/or path prefix: the image repository is `<prefix>/<service name>`. */
export const imagePrefix: Rule<string> = (value) => {
  if (value === '' || value.endsWith('/') || imageRepository(`${value}/x`) !== undefined) {
    return 'be a registry host and/or path such as registry.example.com:5000/payments (lowercase, no tag, no trailing /)';
  }
  return undefined;
};
