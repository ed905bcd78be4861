/**
 * Example route: input validated by JSON schema, so the handler only sees valid input, and
 * the same schema documents it in /openapi.json.
 */
import type { FastifyPluginAsync } from "fastify";
import type { RouteOptions } from "../routes.js";

interface HelloQuery {
  name?: string;
}

const helloRoutes: FastifyPluginAsync<RouteOptions> = async (app, { config }) => {
  app.get<{ Querystring: HelloQuery }>(
    "/hello",
    {
      schema: {
        description: "Greets the caller by name.",
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

export default helloRoutes;
