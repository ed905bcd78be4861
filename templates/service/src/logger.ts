/**
 * Logging: pino JSON lines on stdout, which is what the container platform collects.
 * Secrets are censored by pino's `redact` paths, and every request gets one access line.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type DestinationStream, destination, type LoggerOptions } from "pino";
import type { Config } from "./config.js";
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

export const CENSOR = "[redacted]";

/**
 * Where secrets sit in what this service logs: `request.log.info({ headers, body }, ...)`.
 * Add the paths of your own secret fields here. pino compiles these once and checks only the
 * lines that carry a listed top-level key, so keep them anchored: a path that starts with a
 * wildcard (`*.password`) makes every key of every line pay. Fastify's own request and
 * response lines hold no headers (its serializers pick method, url, status and the like).
 */
export const REDACT_PATHS = [
  "password",
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
  "body.password",
  "body.*.password",
];

/** Log lines are written to stdout in batches of at least this many bytes... */
export const LOG_BATCH_BYTES = 4096;
/** ...or after at most this many milliseconds, whichever comes first. */
export const LOG_FLUSH_MS = 100;

/**
 * stdout in batches. pino's default destination starts a write as soon as the previous one
 * finished, in Node's thread pool: under load, a hand-over between threads for every line or
 * two, which costs more CPU than building the line (measured: about a fifth of a request's
 * server CPU). A line waits at most LOG_FLUSH_MS. pino writes what is pending synchronously
 * when the process exits (exit codes, process.exit after a fatal line, uncaught exceptions),
 * so only a SIGKILL loses lines: those of its last LOG_FLUSH_MS.
 */
export function batchedStdout(): DestinationStream {
  return destination({
    dest: 1,
    sync: false,
    minLength: LOG_BATCH_BYTES,
    periodicFlush: LOG_FLUSH_MS,
  });
}

export function loggerOptions(
  options: { level: string; build?: Config["build"] },
  stream: DestinationStream = batchedStdout(),
): LoggerOptions & { stream: DestinationStream } {
  const { level, build } = options;
  return {
    level,
    // Serialized once, not per line: every line names the service, its owners and its build.
    base: { service: SERVICE_NAME, team: OWNING_TEAM, ...build },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    stream,
  };
}

/**
 * The one access line of a request, written when the response is sent: what Fastify's
 * `incoming request` and `request completed` lines carried, in one line (logging is most of a
 * small request's cost). Routes with `logLevel: "warn"` (the probes) are not logged.
 */
export function logCompleted(request: FastifyRequest, reply: FastifyReply): void {
  request.log.info(
    { req: request, res: reply, responseTime: reply.elapsedTime },
    "request completed",
  );
}
