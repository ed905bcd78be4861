/**
 * The process entry point: validate config, listen, mark ready, and hand signals to the
 * graceful shutdown. Everything else lives in modules that tests can use without a process.
 */
import { buildApp } from "./app.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { loggerOptions } from "./logger.js";
import { buildMetricsServer } from "./metrics.js";
import { createShutdown } from "./shutdown.js";

async function configOrExit(): Promise<Config | undefined> {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One line naming every bad variable, before anything listens; the platform shows it.
    // pino is imported only on this path: a start that goes on loads it through Fastify,
    // and a static import here would add its ESM wrapping to every cold start.
    const { pino } = await import("pino");
    pino(loggerOptions({ level: "info" }, pino.destination({ dest: 1, sync: true }))).fatal(
      error.message,
    );
    process.exitCode = 1;
    return undefined;
  }
}

async function main(): Promise<void> {
  const config = await configOrExit();
  if (!config) return;

  const { app, lifecycle, metrics, openapi } = await buildApp({ config });
  const metricsServer = buildMetricsServer(metrics, { openapi });

  // Past this point a crash must still be one JSON log line, not a bare stack on stderr.
  process.on("uncaughtException", (error) => {
    app.log.fatal({ err: error }, "uncaught exception, exiting 1");
    process.exit(1);
  });

  const shutdown = createShutdown({
    app,
    metricsServer,
    lifecycle,
    delayMs: config.shutdownDelayMs,
    timeoutMs: config.shutdownTimeoutMs,
    log: app.log,
    exit: (code) => process.exit(code),
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => void shutdown(signal));
  }

  try {
    // Both at once: start-up time is time a new instance is not yet taking traffic.
    const [, metricsUrl] = await Promise.all([
      app.listen({ port: config.port, host: config.host }),
      metricsServer.listen({ port: config.metricsPort, host: config.host }),
    ]);
    app.log.info({ url: `${metricsUrl}/metrics` }, "metrics listening");
  } catch (error) {
    app.log.fatal({ err: error }, "could not listen, exiting 1");
    process.exit(1);
  }
  lifecycle.markReady();
  app.log.info("ready");
  // The metrics registry (prom-client and its default collectors) is made once the service
  // takes traffic, not before: see createMetrics.
  setImmediate(() => metrics.registry);
}

await main();
