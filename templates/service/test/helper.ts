/** Builds the app for tests: a fixed config, captured log lines, ready unless asked not to be. */
import type { FastifyInstance } from "fastify";
import { type App, type AppOptions, buildApp } from "../src/app.js";
import type { Config } from "../src/config.js";

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    host: "127.0.0.1",
    port: 0,
    metricsPort: 0,
    logLevel: "info",
    shutdownDelayMs: 0,
    shutdownTimeoutMs: 1000,
    build: { version: "0.0.0", revision: "unknown" },
    greeting: "Hello",
    ...overrides,
  };
}

/** A pino destination that keeps every log line, parsed. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];

  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }

  text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join("\n");
  }
}

export interface TestAppOptions extends Omit<AppOptions, "config" | "logStream"> {
  config?: Partial<Config>;
  /** Adds test-only routes before the app is ready (e.g. a route that throws). */
  setup?: (app: FastifyInstance) => void;
  /** Leave the lifecycle in "starting" (default: ready, as after main.ts listened). */
  starting?: boolean;
}

export interface TestApp extends App {
  logs: LogCapture;
}

const open: FastifyInstance[] = [];

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { config, setup, starting, ...rest } = options;
  const logs = new LogCapture();
  const built = await buildApp({ ...rest, config: testConfig(config), logStream: logs });
  setup?.(built.app);
  await built.app.ready();
  if (!starting) built.lifecycle.markReady();
  open.push(built.app);
  return { ...built, logs };
}

/** Closes every app built by this file's tests; use with afterEach. */
export async function closeApps(): Promise<void> {
  await Promise.all(open.splice(0).map((app) => app.close()));
}
