/**
 * Configuration comes from environment variables only, validated once at start-up: a typo in
 * a variable should stop the process before it listens, not surface as odd behaviour later.
 *
 * The rules are a few small functions rather than a schema library: importing zod (or
 * zod/mini) cost ~35 ms of every cold start, measured, about a quarter of a bare Fastify
 * start, for checks that fit in a screen. Each rule says what it wants in the one line
 * main.ts logs.
 */
import { DEFAULT_METRICS_PORT, DEFAULT_PORT } from "./service.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export interface Config {
  host: string;
  port: number;
  metricsPort: number;
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
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

/** Why a variable was refused: the rule it breaks, never its value (it may be a secret). */
class Problem {
  constructor(readonly rule: string) {}
}

/** Turns a variable's text into its value, or says which rule the text breaks. */
class Rule<T> {
  constructor(readonly parse: (value: string) => T | Problem) {}

  /** Unset is fine: the value is undefined. */
  optional(): Field<T | undefined> {
    return { read: (raw) => (raw === undefined ? undefined : this.parse(raw)) };
  }

  /** Unset means `fallback`. */
  default(fallback: T): Field<T> {
    return { read: (raw) => (raw === undefined ? fallback : this.parse(raw)) };
  }
}

interface Field<T> {
  read(raw: string | undefined): T | Problem;
}

function wholeNumber(min: number, max: number): Rule<number> {
  const problem = new Problem(`must be a whole number from ${min} to ${max}`);
  return new Rule((value) => {
    const number = Number(value);
    return /^\d+$/.test(value) && number >= min && number <= max ? number : problem;
  });
}

function oneOf<const T extends string>(values: readonly T[], rule: string): Rule<T> {
  const problem = new Problem(rule);
  return new Rule((value) =>
    (values as readonly string[]).includes(value) ? (value as T) : problem,
  );
}

function text(check: (value: string) => boolean, rule: string): Rule<string> {
  const problem = new Problem(rule);
  return new Rule((value) => (check(value) ? value : problem));
}

// Port 0 lets the OS pick a free port (handy in tests); Marathon always assigns a real one.
const port = wholeNumber(0, 65535);
const milliseconds = wholeNumber(0, 600_000);

const envSchema = {
  // The ports to listen on, and nothing else: Shovel sets PORT and METRICS_PORT to the ports
  // this process must bind where it runs. Marathon's own PORT0, PORT_HTTP, PORT_<n> and PORTS
  // are HOST ports; inside a bridged container nothing is forwarded to them.
  PORT: port.optional(),
  METRICS_PORT: port.optional(),
  // The listen address. Marathon sets HOST to its agent's host name, which a bridged container
  // cannot bind, so Shovel's app definition sets it back to 0.0.0.0.
  HOST: text(
    (value) => /^[A-Za-z0-9.:-]+$/.test(value),
    "must be an IP address or host name",
  ).default("0.0.0.0"),
  LOG_LEVEL: oneOf(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`).default("info"),
  SHUTDOWN_DELAY_MS: milliseconds.default(5000),
  SHUTDOWN_TIMEOUT_MS: milliseconds.default(10_000),

  // The service's own settings go here: add the variable, then map it in loadConfig below
  // and list it in README.md.
  GREETING: text((value) => value.length <= 100, "must be at most 100 characters").default("Hello"),
};

type Env<S> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/**
 * Reads and validates the environment. Every problem is reported at once (naming the
 * variable and the rule, never the value, which may be a secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(envSchema) as [string, Field<unknown>][]) {
    // An empty variable (`PORT=`) means "not set", as in most shells' `${VAR:-default}`.
    const raw = env[name] === "" ? undefined : env[name];
    const value = field.read(raw);
    if (value instanceof Problem) problems.push(`${name} ${value.rule}`);
    else values[name] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const e = values as Env<typeof envSchema>;
  const config: Config = {
    host: e.HOST,
    port: e.PORT ?? DEFAULT_PORT,
    metricsPort: e.METRICS_PORT ?? DEFAULT_METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    greeting: e.GREETING,
  };
  if (config.port !== 0 && config.port === config.metricsPort) {
    throw new ConfigError([
      `METRICS_PORT must differ from PORT (both resolve to ${config.port}); metrics stay off the public port`,
    ]);
  }
  return config;
}
