/** Example route: input validated by JSON schema, so the handler only sees valid input. */
import type { FastifyPluginAsync } from "fastify";
import type { RouteOptions } from "./index.js";

interface HelloQuery {
  name?: string;
}

export const helloRoutes: FastifyPluginAsync<RouteOptions> = async (app, { config }) => {
  app.get<{ Querystring: HelloQuery }>(
    "/hello",
    {
      schema: {
        querystring: {
          type: "object",
          properties: { name: { type: "string", minLength: 1, maxLength: 64 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: { message: { type: "string" } },
            required: ["message"],
          },
        },
      },
    },
    async (request) => ({ message: `${config.greeting}, ${request.query.name ?? "world"}!` }),
  );
};
