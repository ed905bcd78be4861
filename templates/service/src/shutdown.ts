/**
 * Graceful shutdown, in the order that loses no request behind a load balancer:
 * 1. readiness answers 503 at once, so Marathon/marathon-lb stop sending new traffic;
 * 2. wait SHUTDOWN_DELAY_MS, because balancers notice only at their next probe and keep
 *    routing here until then;
 * 3. stop accepting connections and let in-flight requests finish (Fastify closes idle
 *    keep-alive connections and answers late arrivals on open ones with 503 + close);
 * 4. exit 0, or exit 1 if requests are still running SHUTDOWN_TIMEOUT_MS later, well before
 *    Marathon's SIGKILL (killGracePeriodSeconds in shovel.yml).
 * A second signal exits at once: someone pressing Ctrl-C twice means it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Lifecycle } from "./health.js";

export interface ShutdownOptions {
  app: FastifyInstance;
  /** Closed last, so the drain itself can still be scraped. */
  metricsServer?: FastifyInstance;
  lifecycle: Lifecycle;
  delayMs: number;
  timeoutMs: number;
  log: FastifyBaseLogger;
  /** Ends the process; injected so tests can observe it (main.ts passes process.exit). */
  exit: (code: number) => void;
}

export type Shutdown = (signal: string) => Promise<void>;

export function createShutdown(options: ShutdownOptions): Shutdown {
  const { app, metricsServer, lifecycle, delayMs, timeoutMs, log, exit } = options;
  let started = false;

  return async (signal) => {
    if (started) {
      log.warn({ signal }, "shutdown: second signal, exiting now");
      exit(1);
      return;
    }
    started = true;
    lifecycle.markShuttingDown();
    log.info({ signal, delayMs }, "shutdown 1/3: readiness is 503, waiting for traffic to stop");
    await sleep(delayMs);

    log.info({ timeoutMs }, "shutdown 2/3: stopped accepting, waiting for in-flight requests");
    const deadline = setTimeout(() => {
      log.error(
        { timeoutMs },
        "shutdown: requests still running at SHUTDOWN_TIMEOUT_MS, exiting 1",
      );
      exit(1);
    }, timeoutMs);
    try {
      await app.close();
      await metricsServer?.close();
    } catch (error) {
      clearTimeout(deadline);
      log.error({ err: error }, "shutdown: closing failed, exiting 1");
      exit(1);
      return;
    }
    clearTimeout(deadline);
    log.info("shutdown 3/3: all requests finished, exiting 0");
    exit(0);
  };
}
