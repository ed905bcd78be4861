/**
 * Configuration comes from environment variables only, validated once at start-up: a typo in
 * a variable should stop the process before it listens, not surface as odd behaviour later.
 */
import { z } from "zod";
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

function wholeNumber(min: number, max: number) {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .refine((value) => /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max, rule)
    .transform(Number);
}

// Port 0 lets the OS pick a free port (handy in tests); Marathon always assigns a real one.
const port = wholeNumber(0, 65535);
const milliseconds = wholeNumber(0, 600_000);

const envSchema = z.object({
  // Marathon sets PORT0/PORT1 (and PORT_<NAME> for named port mappings); the most specific
  // name wins so the same image runs under Marathon, `docker run -e PORT=...` and locally.
  PORT_HTTP: port.optional(),
  PORT0: port.optional(),
  PORT: port.optional(),
  PORT_METRICS: port.optional(),
  PORT1: port.optional(),
  METRICS_PORT: port.optional(),
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, "must be an IP address or host name")
    .default("0.0.0.0"),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
  SHUTDOWN_DELAY_MS: milliseconds.default(5000),
  SHUTDOWN_TIMEOUT_MS: milliseconds.default(10_000),

  // The service's own settings go here: add the variable, then map it in loadConfig below
  // and list it in README.md.
  GREETING: z
    .string()
    .min(1, "must not be empty")
    .max(100, "must be at most 100 characters")
    .default("Hello"),
});

/**
 * Reads and validates the environment. Every problem is reported at once (naming the
 * variable and the rule, never the value, which may be a secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`PORT=`) means "not set", as in most shells' `${VAR:-default}`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`),
    );
  }
  const e = result.data;
  const config: Config = {
    host: e.HOST,
    port: e.PORT_HTTP ?? e.PORT0 ?? e.PORT ?? DEFAULT_PORT,
    metricsPort: e.PORT_METRICS ?? e.PORT1 ?? e.METRICS_PORT ?? DEFAULT_METRICS_PORT,
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
