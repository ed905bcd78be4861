/**
 * Every route of the service. `npm run gen -- route NAME` adds a route module and wires it in
 * at the two marker comments below: keep them.
 */
import type { FastifyInstance } from "fastify";
import type { Config } from "../config.js";
import { helloRoutes } from "./hello.js";
// shovel:route-imports

/** What every route plugin receives. */
export interface RouteOptions {
  config: Config;
}

export async function registerRoutes(app: FastifyInstance, options: RouteOptions): Promise<void> {
  await app.register(helloRoutes, { ...options, prefix: "/v1" });
  // shovel:route-registrations
}
