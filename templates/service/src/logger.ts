/**
 * Logging: pino JSON lines on stdout, which is what the container platform collects. Secrets
 * are redacted by path so that logging a whole request or object can't leak them.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { DestinationStream, LoggerOptions } from "pino";
import { OWNING_TEAM, SERVICE_NAME } from "./service.js";

export const REQUEST_ID_HEADER = "x-request-id";

// A caller's id is trusted only if it looks like an id: it lands in every log line and in a
// response header, so unbounded or odd text (newlines, quotes) must not pass through.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's x-request-id when it is a plausible id, otherwise a fresh UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers[REQUEST_ID_HEADER];
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

// Keys whose values never reach a log line, at the top level and up to three levels down
// (e.g. `req.headers.authorization`, `body.user.password`).
const SECRET_KEYS = ["authorization", "cookie", '["set-cookie"]', "password"];
const DEPTHS = ["", "*", "*.*", "*.*.*"];

export const REDACT_PATHS = DEPTHS.flatMap((prefix) =>
  SECRET_KEYS.map((key) =>
    prefix === "" || key.startsWith("[") ? prefix + key : `${prefix}.${key}`,
  ),
);

export function loggerOptions(
  level: string,
  stream?: DestinationStream,
): LoggerOptions & { stream?: DestinationStream } {
  return {
    level,
    base: { service: SERVICE_NAME, team: OWNING_TEAM },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    ...(stream ? { stream } : {}),
  };
}
