/**
 * The Docker HEALTHCHECK: `node dist/healthcheck.js [path]` exits 0 when the service answers
 * 2xx on that path. Node rather than curl, which slim base images don't have. It reads the
 * same environment as the service, so it probes the port the service really listens on.
 */
import { request } from "node:http";
import { loadConfig } from "./config.js";
import { HEALTH_PATHS } from "./health.js";

const path = process.argv[2] ?? HEALTH_PATHS.liveness;
const config = loadConfig();
// A wildcard listen address is not a destination; probe the loopback instead.
const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host === "::" ? "::1" : config.host;

const probe = request({ host, port: config.port, path, timeout: 4000 }, (response) => {
  response.resume();
  const status = response.statusCode ?? 0;
  process.exitCode = status >= 200 && status < 300 ? 0 : 1;
});
probe.on("timeout", () => probe.destroy(new Error("timed out")));
probe.on("error", () => {
  process.exitCode = 1;
});
probe.end();
