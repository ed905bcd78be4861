/**
 * Prometheus metrics. Each app gets its own registry (tests build many apps in one process,
 * and a global registry refuses a metric registered twice). Served on METRICS_PORT by a
 * separate server so /metrics is never reachable through the public port.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Config } from "./config.js";

/** Route label for requests that matched no route: raw URLs would explode label cardinality. */
export const UNMATCHED_ROUTE = "unmatched";

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<"method" | "route" | "status_code">;
}

/** What runs when no build says otherwise (tests, `npm run dev`). */
const UNKNOWN_BUILD: Config["build"] = { version: "0.0.0", revision: "unknown" };

export function createMetrics(build: Config["build"] = UNKNOWN_BUILD): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // The usual info-metric shape: always 1, the build in its labels, so dashboards can join
  // any series on version and alerts can say which commit is running.
  new Gauge({
    name: "build_info",
    help: "The running build: version and commit (revision) of the service; always 1.",
    labelNames: ["version", "revision"] as const,
    registers: [registry],
  }).set(build, 1);
  const httpRequestDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Duration of HTTP requests, by method, route pattern and status code.",
    labelNames: ["method", "route", "status_code"] as const,
    registers: [registry],
  });
  return { registry, httpRequestDuration };
}

/**
 * Records a response under its route pattern (e.g. /v1/orders/:id). Called from app.ts's one
 * onResponse hook; reply.elapsedTime rather than a timer of our own: Fastify already
 * measures the request.
 */
export function observe(metrics: Metrics, request: FastifyRequest, reply: FastifyReply): void {
  metrics.httpRequestDuration.observe(
    {
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status_code: String(reply.statusCode),
    },
    reply.elapsedTime / 1000,
  );
}

export interface PrivateServerOptions {
  /** The OpenAPI document of the public app (see openapi.ts). */
  openapi?: () => Promise<object>;
}

/**
 * The private server on METRICS_PORT: /metrics, and /openapi.json when given. It logs no
 * requests (scrapes every few seconds are noise).
 */
export function buildMetricsServer(
  metrics: Metrics,
  options: PrivateServerOptions = {},
): FastifyInstance {
  const server = Fastify({ logger: false });
  server.get("/metrics", async (_request, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  const { openapi } = options;
  if (openapi) server.get("/openapi.json", async () => openapi());
  return server;
}
