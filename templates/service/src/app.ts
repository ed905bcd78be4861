/**
 * Builds the HTTP app without listening, so tests drive it with `app.inject()` and main.ts
 * owns the process concerns (ports, signals, exit codes).
 */
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { DestinationStream } from "pino";
import type { Config } from "./config.js";
import { registerErrorHandlers } from "./errors.js";
import { Lifecycle, type ReadinessCheck, registerHealthRoutes } from "./health.js";
import {
  logCompleted,
  loggerOptions,
  REQUEST_ID_HEADER,
  REQUEST_ID_LOG_LABEL,
  requestIdOf,
  requestLogger,
} from "./logger.js";
import { createMetrics, type Metrics, observe } from "./metrics.js";
import { type OpenApiDocument, openApiOf } from "./openapi.js";
import { registerRoutes } from "./routes.js";

export interface AppOptions {
  config: Config;
  lifecycle?: Lifecycle;
  metrics?: Metrics;
  /** Dependencies readiness depends on; add the service's own here (see health.ts). */
  readinessChecks?: readonly ReadinessCheck[];
  /** Where log lines go (stdout when absent); tests capture them. */
  logStream?: DestinationStream;
}

export interface App {
  app: FastifyInstance;
  lifecycle: Lifecycle;
  metrics: Metrics;
  /** The OpenAPI document of the app's routes; main.ts serves it on the private port. */
  openapi: OpenApiDocument;
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const metrics = options.metrics ?? createMetrics(config.build);

  const app = Fastify({
    logger: loggerOptions({ level: config.logLevel, build: config.build }, options.logStream),
    // Ids come from requestIdOf (validated header or a fresh one), never raw from the header.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Each request's logger: the app's with the request id bound (see requestLogger).
    childLoggerFactory: requestLogger,
    // One access line per request, written in the onResponse hook below, instead of
    // Fastify's two (`incoming request`, `request completed`).
    logController: new LogController({
      requestIdLogLabel: REQUEST_ID_LOG_LABEL,
      disableRequestLogging: true,
    }),
    // Ajv checks each route schema against the JSON Schema meta-schema by default, and
    // compiling that meta-schema for the first route schema costs 15-30 ms of every cold start
    // (measured: CPU profile). Skipping it is safe here: route schemas are code, not input,
    // every one is compiled while the app gets ready, before it listens (Ajv's strict mode
    // still refuses unknown keywords like `minLenght` and its code generation ill-typed ones
    // like `minLength: "1"`), and the route tests compile every schema.
    ajv: { customOptions: { validateSchema: false } },
  });

  // One synchronous hook for both headers: an async hook costs a promise and a microtask
  // turn per request, a callback hook costs a function call.
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    // While draining, every response closes its connection: clients reconnect to another
    // instance, and the server's close is not held up by keep-alive connections that
    // finished their last request.
    if (lifecycle.state === "shutting-down") reply.header("connection", "close");
    done(null, payload);
  });
  // One hook for the histogram and the access line: each hook costs a call per request.
  app.addHook("onResponse", (request, reply, done) => {
    const responseTime = reply.elapsedTime;
    observe(metrics, request, reply, responseTime);
    logCompleted(request, reply, responseTime);
    done();
  });
  const openapi = openApiOf(app, config.build);
  registerErrorHandlers(app);
  registerHealthRoutes(app, lifecycle, options.readinessChecks ?? []);
  await registerRoutes(app, { config });

  return { app, lifecycle, metrics, openapi };
}
