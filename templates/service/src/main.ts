/**
 * The process entry point: validate config, listen, mark ready, and hand signals to the
 * graceful shutdown. Everything else lives in modules that tests can use without a process.
 *
 * `npm run build` type-checks, then bundles this file with esbuild into dist/main.js (plus
 * shared chunks beside it): Node then reads a few modules instead of resolving and reading
 * Fastify's hundred-odd files, about a third of the cold start (measured). Each module in
 * src/routes stays a module of its own in dist/routes, where @fastify/autoload finds it.
 * prom-client, loaded after start, stays in node_modules (see metrics.ts); @fastify/swagger
 * is a chunk of its own, read on the first /openapi.json.
 */
import { pino } from "pino";
import { buildApp } from "./app.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { loggerOptions } from "./logger.js";
import { buildMetricsServer } from "./metrics.js";
import { createShutdown } from "./shutdown.js";

/** How long after ready the deferred start-up work begins (see the end of main). */
const WARM_UP_DELAY_MS = 100;

function configOrExit(): Config | undefined {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One line naming every bad variable, before anything listens; the platform shows it.
    pino(loggerOptions({ level: "info" }, pino.destination({ dest: 1, sync: true }))).fatal(
      error.message,
    );
    process.exitCode = 1;
    return undefined;
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
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
    // Fastify compiles every route schema while it gets ready: a broken one stops the
    // service here, before anything reports it ready.
    app.log.fatal({ err: error }, "could not listen, exiting 1");
    process.exit(1);
  }
  lifecycle.markReady();
  app.log.info("ready");
  // Made once the service takes traffic, not before: the metrics registry (prom-client and
  // its default collectors, see createMetrics), which only a scrape needs. It holds the event
  // loop for tens of milliseconds, so it waits until the probes that find the service ready
  // have had their answer.
  setTimeout(() => void metrics.registry, WARM_UP_DELAY_MS).unref();
}

await main();
