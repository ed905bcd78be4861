/**
 * Every module in src/routes is a route plugin, loaded by @fastify/autoload under /v1:
 * `npm run gen -- route NAME` only adds files, nothing to wire in.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import autoload from "@fastify/autoload";
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.js";

/** What every route plugin receives. */
export interface RouteOptions {
  config: Config;
}

const ROUTES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "routes");

export async function registerRoutes(app: FastifyInstance, options: RouteOptions): Promise<void> {
  await app.register(autoload, {
    dir: ROUTES_DIR,
    options: { ...options, prefix: "/v1" },
  });
}
