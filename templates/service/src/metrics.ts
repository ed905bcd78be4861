/**
 * Prometheus metrics. Each app gets its own registry (tests build many apps in one process,
 * and a global registry refuses a metric registered twice). Served on METRICS_PORT by a
 * separate server so /metrics is never reachable through the public port.
 */
import { createRequire } from "node:module";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Metric, Registry } from "prom-client";
import type { Config } from "./config.js";

/** Route label for requests that matched no route: raw URLs would explode label cardinality. */
export const UNMATCHED_ROUTE = "unmatched";

/** Upper bounds of the duration buckets, in seconds (prom-client's default buckets). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** One series of the histogram: one method, route and status code. */
interface Series {
  labels: { method: string; route: string; status_code: string };
  /** Requests per bucket, not cumulative; the last slot counts those above every bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * `http_request_duration_seconds`, on the request path at the cost of three Map lookups and
 * three additions per request: series are found by route, method and numeric status code,
 * and their label strings are built once, when a series first appears. (prom-client's own
 * Histogram builds a label object, validates it and hashes it into a string on every
 * observation.) Registered in the prom-client registry as a metric of its own, so /metrics
 * writes it in the same exposition format as every other metric.
 */
export class RequestDurations {
  readonly name = "http_request_duration_seconds";
  readonly help = "Duration of HTTP requests, by method, route pattern and status code.";
  readonly type = "histogram";
  readonly aggregator = "sum";
  #routes = new Map<string, Map<string, Map<number, Series>>>();

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    let methods = this.#routes.get(route);
    if (methods === undefined) {
      methods = new Map();
      this.#routes.set(route, methods);
    }
    let statuses = methods.get(method);
    if (statuses === undefined) {
      statuses = new Map();
      methods.set(method, statuses);
    }
    let series = statuses.get(statusCode);
    if (series === undefined) {
      series = {
        labels: { method, route, status_code: String(statusCode) },
        buckets: new Float64Array(DURATION_BUCKETS.length + 1),
        sum: 0,
        count: 0,
      };
      statuses.set(statusCode, series);
    }
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] as number)) {
      bucket += 1;
    }
    series.buckets[bucket] = (series.buckets[bucket] as number) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** What prom-client's registry reads to write /metrics: cumulative buckets, sum, count. */
  get() {
    const values: {
      metricName: string;
      labels: Record<string, string | number>;
      sharedLabels: Series["labels"];
      value: number;
    }[] = [];
    for (const methods of this.#routes.values()) {
      for (const statuses of methods.values()) {
        for (const series of statuses.values()) {
          let cumulative = 0;
          DURATION_BUCKETS.forEach((le, i) => {
            cumulative += series.buckets[i] as number;
            values.push(this.#value("_bucket", { le }, series, cumulative));
          });
          values.push(this.#value("_bucket", { le: "+Inf" }, series, series.count));
          values.push(this.#value("_sum", {}, series, series.sum));
          values.push(this.#value("_count", {}, series, series.count));
        }
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  #value(suffix: string, labels: Record<string, string | number>, series: Series, value: number) {
    return { metricName: `${this.name}${suffix}`, labels, sharedLabels: series.labels, value };
  }

  /** Forgets every series (prom-client's `registry.resetMetrics()` calls this). */
  reset(): void {
    this.#routes.clear();
  }
}

export interface Metrics {
  /** The prom-client registry: every metric /metrics serves. Made on first use (see below). */
  readonly registry: Registry;
  httpRequestDuration: RequestDurations;
}

/** What runs when no build says otherwise (tests, `npm run dev`). */
const UNKNOWN_BUILD: Config["build"] = { version: "0.0.0", revision: "unknown" };

/**
 * The request path needs only RequestDurations, so prom-client (a tenth of a cold start:
 * every metric type, the default collectors, node:cluster) is loaded when the registry is
 * first used: main.ts asks for it right after the service is ready, tests and scrapes when
 * they read it. The default collectors count from then on (process CPU, GC, event-loop lag),
 * which rate() reads the same; process_start_time_seconds is still the process's.
 */
export function createMetrics(build: Config["build"] = UNKNOWN_BUILD): Metrics {
  const httpRequestDuration = new RequestDurations();
  let registry: Registry | undefined;
  return {
    httpRequestDuration,
    get registry() {
      registry ??= registryWith(httpRequestDuration, build);
      return registry;
    },
  };
}

function registryWith(httpRequestDuration: RequestDurations, build: Config["build"]): Registry {
  // Required, not imported: the registry is made synchronously, and prom-client is CommonJS
  // (the build leaves it out of the bundle, in node_modules, where this finds it).
  const { collectDefaultMetrics, Gauge, Registry } = createRequire(import.meta.url)(
    "prom-client",
  ) as typeof import("prom-client");
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
  // The registry needs only name, help, type and get(); its Metric type lists prom-client's
  // own classes.
  registry.registerMetric(httpRequestDuration as unknown as Metric);
  return registry;
}

/**
 * Records a response under its route pattern (e.g. /v1/orders/:id). Called from app.ts's one
 * onResponse hook with reply.elapsedTime (ms) rather than a timer of our own: Fastify already
 * measures the request.
 */
export function observe(
  metrics: Metrics,
  request: FastifyRequest,
  reply: FastifyReply,
  responseTime: number = reply.elapsedTime,
): void {
  metrics.httpRequestDuration.observe(
    request.method,
    request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE),
    reply.statusCode,
    responseTime / 1000,
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
