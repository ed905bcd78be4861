/**
 * The OpenAPI document of the public routes, generated from their schemas by
 * @fastify/swagger and served on the private port (openapi.json beside /metrics).
 *
 * Built on first request rather than at start-up: registering @fastify/swagger on the app
 * loads its YAML and $ref machinery, tens of milliseconds of every cold start for a document
 * that is read now and then. At start-up only the route definitions are noted (one array
 * push per route); the first request replays them into a throw-away Fastify instance with
 * swagger registered, and the document is kept.
 */
import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import type { Config } from "./config.js";
import { SERVICE_NAME } from "./service.js";

export type OpenApiDocument = () => Promise<object>;

/** Call before any route is added: notes every route of `app` from then on. */
export function openApiOf(app: FastifyInstance, build: Config["build"]): OpenApiDocument {
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    routes.push(route);
  });
  let document: Promise<object> | undefined;
  return () => {
    document ??= buildDocument(routes, build);
    return document;
  };
}

async function buildDocument(routes: RouteOptions[], build: Config["build"]): Promise<object> {
  const { default: swagger } = await import("@fastify/swagger");
  // exposeHeadRoutes off: the HEAD twins of GET routes are among the noted routes already.
  const replay = Fastify({ logger: false, exposeHeadRoutes: false });
  // Nothing is served: skip compiling validators and serializers.
  replay.setValidatorCompiler(() => () => true);
  replay.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await replay.register(swagger, {
    openapi: { info: { title: SERVICE_NAME, version: build.version } },
  });
  for (const { method, url, schema, config } of routes) {
    if (method === "HEAD") continue;
    replay.route({ method, url, ...(schema ? { schema } : {}), config, handler: async () => null });
  }
  await replay.ready();
  const spec = replay.swagger();
  await replay.close();
  return spec;
}
