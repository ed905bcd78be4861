/**
 * Health endpoints, with the split Marathon and load balancers need:
 * - liveness checks nothing but that the event loop answers: failing it gets the task killed,
 *   so a slow database must never fail it;
 * - readiness says whether to send traffic here: 503 until start-up finished, 503 from the
 *   moment shutdown begins (so balancers drain us), and 503 when a dependency check fails.
 */
import type { FastifyInstance } from "fastify";

export const HEALTH_PATHS = { liveness: "/health/live", readiness: "/health/ready" } as const;

export type LifecycleState = "starting" | "ready" | "shutting-down";

/** Where the process is in its life; main.ts and shutdown.ts move it forward. */
export class Lifecycle {
  #state: LifecycleState = "starting";

  get state(): LifecycleState {
    return this.#state;
  }

  markReady(): void {
    if (this.#state === "starting") this.#state = "ready";
  }

  markShuttingDown(): void {
    this.#state = "shutting-down";
  }
}

/**
 * A dependency the service cannot serve without (database, queue ...). Add yours in
 * app.ts (`readinessChecks`); a check throws or rejects when the dependency is unusable.
 */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/** A check slower than this counts as failed: the probe itself has a timeout. */
export const READINESS_CHECK_TIMEOUT_MS = 2000;

async function runCheck({ name, check }: ReadinessCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return undefined;
  } catch {
    return name;
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoutes(
  app: FastifyInstance,
  lifecycle: Lifecycle,
  checks: readonly ReadinessCheck[],
): void {
  // Probes arrive every few seconds: log them only when something is wrong.
  app.get(HEALTH_PATHS.liveness, { logLevel: "warn" }, async () => ({ status: "ok" }));

  app.get(HEALTH_PATHS.readiness, { logLevel: "warn" }, async (request, reply) => {
    if (lifecycle.state !== "ready") {
      return reply.code(503).send({ status: lifecycle.state });
    }
    const failed = (await Promise.all(checks.map(runCheck))).filter((name) => name !== undefined);
    if (failed.length > 0) {
      request.log.warn({ failed }, "readiness check failed");
      return reply.code(503).send({ status: "unavailable", failed });
    }
    return { status: "ready" };
  });
}
