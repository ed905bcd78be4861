/**
 * Configuration comes from environment variables only, validated once at start-up: a typo in
 * a variable should stop the process before it listens, not surface as odd behaviour later.
 *
 * `envSchema` is the one list of variables: each is a JSON Schema property with its
 * description. `npm run env:build` compiles it ahead of time into config-validator.ts
 * (Ajv's standalone code, as Fastify compiles its own option schema: compiling at start
 * would cost every cold start more than the rest of config), and writes the table in
 * README.md and .env.example from it; `npm run lint` fails when any of them is stale.
 */
import type { ValidateFunction } from "ajv";
import compiledValidator from "./config-validator.js";
import { type EnvOf, integer, oneOf, text } from "./env.js";
import { DEFAULT_METRICS_PORT, DEFAULT_PORT } from "./service.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

// Port 0 lets the OS pick a free port (handy in tests); Marathon always assigns a real one.
const port = integer(0, 65535);
const milliseconds = integer(0, 600_000);

export const envSchema = {
  // The ports to listen on, and nothing else: Shovel sets PORT and METRICS_PORT to the ports
  // this process must bind where it runs. Marathon's own PORT0, PORT_HTTP, PORT_<n> and PORTS
  // are HOST ports; inside a bridged container nothing is forwarded to them.
  PORT: port.optional(`Public HTTP port (unset: ${DEFAULT_PORT}, chosen at generation).`),
  METRICS_PORT: port.optional(
    `Private port of \`/metrics\` and \`/openapi.json\` (unset: ${DEFAULT_METRICS_PORT}); must differ from \`PORT\`.`,
  ),
  // Marathon sets HOST to its agent's host name, which a bridged container cannot bind, so
  // Shovel's app definition sets it back to 0.0.0.0.
  HOST: text({ pattern: /^[A-Za-z0-9.:-]+$/, rule: "must be an IP address or host name" }).default(
    "0.0.0.0",
    "Address both servers listen on.",
  ),
  LOG_LEVEL: oneOf(LOG_LEVELS).default("info", `Lowest level logged: ${LOG_LEVELS.join(", ")}.`),
  SHUTDOWN_DELAY_MS: milliseconds.default(
    5000,
    "After SIGTERM/SIGINT, how long readiness answers 503 before the server stops accepting, so load balancers stop routing here first.",
  ),
  SHUTDOWN_TIMEOUT_MS: milliseconds.default(
    10_000,
    "How long in-flight requests then get to finish; past it the process exits 1.",
  ),
  SERVICE_VERSION: text({ maxLength: 128 }).default(
    "0.0.0",
    "Version of this build, in the `build_info` metric and every log line (the image sets it from the `VERSION` build argument).",
  ),
  SERVICE_REVISION: text({ maxLength: 128 }).default(
    "unknown",
    "Commit of this build, beside the version (from the `REVISION` build argument).",
  ),

  // The service's own settings go here: add the variable, map it in loadConfig below, then
  // run `npm run env:build`.
  GREETING: text({ maxLength: 100 }).default(
    "Hello",
    "Example service setting, used by `/v1/hello`.",
  ),
};

type Env = EnvOf<typeof envSchema>;

export interface Config {
  host: string;
  port: number;
  metricsPort: number;
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
  /** What is running: the `build_info` metric and every log line carry it. */
  build: { version: string; revision: string };
  /** Example of a service-specific setting, used by GET /v1/hello. */
  greeting: string;
}

/** Thrown for invalid configuration; main.ts prints its message as one log line and exits 1. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const NAMES = Object.keys(envSchema) as (keyof Env)[];
const validate = compiledValidator as unknown as ValidateFunction;

/**
 * Reads and validates the environment. Every problem is reported at once (naming the
 * variable and the rule, never the value, which may be a secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, string> = {};
  for (const name of NAMES) {
    // An empty variable (`PORT=`) means "not set", as in most shells' `${VAR:-default}`.
    const raw = env[name];
    if (raw !== undefined && raw !== "") values[name] = raw;
  }
  // The validator coerces the strings to their types and fills in defaults, in place.
  if (!validate(values)) {
    const refused = new Set((validate.errors ?? []).map((error) => error.instancePath.slice(1)));
    throw new ConfigError(
      NAMES.filter((name) => refused.has(name)).map((name) => `${name} ${envSchema[name].rule}`),
    );
  }

  const e = values as unknown as Env;
  const config: Config = {
    host: e.HOST,
    port: e.PORT ?? DEFAULT_PORT,
    metricsPort: e.METRICS_PORT ?? DEFAULT_METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    build: { version: e.SERVICE_VERSION, revision: e.SERVICE_REVISION },
    greeting: e.GREETING,
  };
  if (config.port !== 0 && config.port === config.metricsPort) {
    throw new ConfigError([
      `METRICS_PORT must differ from PORT (both resolve to ${config.port}); metrics stay off the public port`,
    ]);
  }
  return config;
}
