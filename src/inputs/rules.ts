/**
 * The one home of every validation rule and range: the inputs of create-shovel (flags,
 * prompts, answers file) and shovel.yml (src/config/schema.ts) are checked with these, and the
 * Marathon app-id rule here is the one the renderer's pre-flight check uses. Each rule returns
 * undefined when the value is fine, or the rule it breaks, phrased so it reads after "must".
 */
import { builtinModules } from 'node:module';

export type Rule<T> = (value: T) => string | undefined;

const RESERVED_NAMES = new Set(['node_modules', 'favicon.ico', ...builtinModules]);
/** Marathon 1.8+ refuses app ids whose last segment ends with these words. */
export const MARATHON_RESERVED_SUFFIXES = ['restart', 'tasks', 'versions'] as const;
/** One segment of a Marathon app id or group path: lowercase letters, digits, `-` and `.`. */
export const MARATHON_ID_SEGMENT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/** Numeric ranges, shared by the inputs and shovel.yml. */
export const RANGES = {
  /** Container ports: >= 1024 because the service runs as a non-root user. */
  port: { min: 1024, max: 65535, integer: true },
  /** Ports of any software in its container (shovel.yml ports[].containerPort) and on a docker host. */
  containerPort: { min: 1, max: 65535, integer: true },
  cpus: { min: 0.01, max: 64, integer: false },
  /** MiB. */
  memory: { min: 32, max: 262144, integer: true },
  /** At least one: a release is proven healthy by its tasks, and zero tasks prove nothing. */
  instances: { min: 1, max: 1000, integer: true },
} as const;

export type RangeName = keyof typeof RANGES;

/** The rule of a range, phrased after "must". */
export function rangeRule(name: RangeName): string {
  const r = RANGES[name];
  return `be ${r.integer ? 'a whole number' : 'a number'} from ${r.min} to ${r.max}`;
}

export function inRange(name: RangeName): Rule<number> {
  const r = RANGES[name];
  return (value) =>
    Number.isFinite(value) && (!r.integer || Number.isInteger(value)) && value >= r.min && value <= r.max ? undefined : rangeRule(name);
}

/** The Marathon app-id rule for one segment (group segments and the app's own id). */
export function marathonIdSegment(segment: string): string | undefined {
  if (!MARATHON_ID_SEGMENT.test(segment)) {
    return 'use segments of lowercase letters, digits, hyphens and dots that start and end with a letter or digit (Marathon app-id rules)';
  }
  return undefined;
}

/** Marathon 1.8+: the last segment of an app id may not end in a reserved word. */
export function marathonIdSuffix(lastSegment: string): string | undefined {
  const suffix = MARATHON_RESERVED_SUFFIXES.find((s) => lastSegment.endsWith(s));
  return suffix ? `not end in "${suffix}" (Marathon 1.8+ reserves it in app ids)` : undefined;
}

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
  return marathonIdSegment(value) ?? marathonIdSuffix(value);
};

/**
 * A valid service name close to `text` (a directory name such as `MyService` or `orders_api`),
 * or undefined when nothing sensible comes of it.
 */
export function suggestServiceName(text: string): string | undefined {
  let name = text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (name === '') return undefined;
  if (!/^[a-z]/.test(name)) name = `svc-${name}`;
  name = name.slice(0, 63).replace(/-+$/, '');
  if (serviceName(name) !== undefined) name = `${name.slice(0, 59).replace(/-+$/, '')}-svc`;
  return serviceName(name) === undefined ? name : undefined;
}

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

export const marathonGroup: Rule<string> = (value) => {
  if (value === '/') return undefined;
  if (!value.startsWith('/') || value.endsWith('/')) return 'be / or an absolute path such as /payments';
  for (const segment of value.slice(1).split('/')) {
    const broken = marathonIdSegment(segment);
    if (broken) return broken;
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
