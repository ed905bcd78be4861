/**
 * Prometheus metrics. Each app gets its own registry (tests build many apps in one process,
 * and a global registry refuses a metric registered twice). Served on METRICS_PORT by a
 * separate server so /metrics is never reachable through the public port.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** Route label for requests that matched no route: raw URLs would explode label cardinality. */
export const UNMATCHED_ROUTE = "unmatched";

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<"method" | "route" | "status_code">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Duration of HTTP requests, by method, route pattern and status code.",
    labelNames: ["method", "route", "status_code"] as const,
    registers: [registry],
  });
  return { registry, httpRequestDuration };
}

/** Records every response of `app` under its route pattern (e.g. /v1/orders/:id). */
export function instrument(app: FastifyInstance, metrics: Metrics): void {
  // A callback hook, not an async one (no promise per request), and reply.elapsedTime
  // rather than a timer started in another hook: Fastify already measures the request.
  app.addHook("onResponse", (request, reply, done) => {
    metrics.httpRequestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/** The metrics-only server; it logs no requests (scrapes every few seconds are noise). */
export function buildMetricsServer(metrics: Metrics): FastifyInstance {
  const server = Fastify({ logger: false });
  server.get("/metrics", async (_request, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return server;
}
