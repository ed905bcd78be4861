/** /v1/{{kebabCase name}} routes; every module in src/routes is loaded under /v1. */
import type { FastifyPluginAsync } from "fastify";
import type { RouteOptions } from "../routes.js";

const {{camelCase name}}Routes: FastifyPluginAsync<RouteOptions> = async (app) => {
  app.get(
    "/{{kebabCase name}}",
    {
      schema: {
        description: "Lists {{kebabCase name}}.",
        response: {
          200: {
            type: "object",
            properties: {
              items: { type: "array", items: { type: "object", additionalProperties: true } },
            },
            required: ["items"],
          },
        },
      },
    },
    async () => ({ items: [] }),
  );
};

export default {{camelCase name}}Routes;
