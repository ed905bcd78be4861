/**
 * Liveness -> Marathon healthChecks, readiness -> readinessChecks, per dialect.
 *
 * Liveness, not readiness, goes into healthChecks: Marathon KILLS tasks that fail a health
 * check, and a service that is merely not ready (a dependency down, or draining) must not be
 * killed for it. Readiness gates the rollout only (old tasks are killed once new ones are
 * ready), and Marathon's readiness checks are HTTP(S) only
 * (docs/docs/rest-api/public/api/v2/types/readinessCheck.raml: protocol HTTP | HTTPS).
 */
import { UsageError } from '../errors.js';
import type { Check, ShovelConfig } from '../config/schema.js';
import type { MarathonDialect } from './types.js';

/** The index of a named port in the rendered port mappings (they follow config.ports). */
export function portIndexOf(config: ShovelConfig, name: string): number {
  const index = config.ports.findIndex((p) => p.name === name);
  if (index < 0) throw new UsageError('SHOVEL_ERR_MARATHON_HEALTH', `A health check names port "${name}", which ports does not declare.`);
  return index;
}

/**
 * - 1.x: the checks run by the Mesos agent next to the task (MESOS_HTTP, MESOS_TCP, COMMAND;
 *   Marathon-run HTTP/TCP checks are deprecated since 1.4). maxConsecutiveFailures 0 means
 *   "never kill" for Marathon-run checks but "kill at the first failure" for Mesos-run ones
 *   (core/health/HealthCheck.scala sets consecutive_failures to it), so 0 keeps its meaning by
 *   using the Marathon-run HTTP/TCP check instead; a COMMAND check has no Marathon-run form,
 *   so 0 is refused there. delaySeconds defaults to 15 s for Mesos-run checks, which only
 *   delays the first healthy report: gracePeriodSeconds already covers a slow start.
 * - 0.x: Marathon-run HTTP and TCP checks on the host port (no MESOS_* before 1.4), COMMAND.
 */
export function healthChecksOf(config: ShovelConfig, dialect: MarathonDialect): Record<string, unknown>[] {
  const { health } = config;
  const live: Check | undefined = health.liveness;
  if (!live) return [];
  const timing = {
    gracePeriodSeconds: health.gracePeriodSeconds,
    intervalSeconds: health.intervalSeconds,
    timeoutSeconds: health.timeoutSeconds,
    maxConsecutiveFailures: health.maxConsecutiveFailures,
  };
  const neverKill = health.maxConsecutiveFailures === 0;
  if (live.type === 'command') {
    if (neverKill) {
      throw new UsageError('SHOVEL_ERR_MARATHON_HEALTH', 'health.maxConsecutiveFailures 0 (never kill) cannot be kept by a command liveness check: Mesos runs it and kills at the first failure.', {
        hint: 'Set health.maxConsecutiveFailures to 1 or more, or check liveness over http or tcp.',
      });
    }
    // Run by Mesos inside the task's container with sh -c (Marathon's `command.value`).
    return [{ protocol: 'COMMAND', command: { value: live.command }, ...timing, ...(dialect === '1.x' ? { delaySeconds: 0 } : {}) }];
  }
  const portIndex = portIndexOf(config, live.port);
  const path = live.type === 'http' ? { path: live.path } : {};
  const kind = live.type === 'http' ? 'HTTP' : 'TCP';
  if (dialect !== '1.x' || neverKill) return [{ protocol: kind, portIndex, ...path, ...timing }];
  return [{ protocol: `MESOS_${kind}`, portIndex, ...path, ...timing, delaySeconds: 0 }];
}

/**
 * 1.x only (readiness checks exist from 1.1; the 1.x dialect is 1.5+). One per app, naming a
 * port mapping by portName (api/v2/validation/AppValidation.scala, readinessCheckValidator).
 * A tcp or command readiness check has no Marathon form: none is rendered, and the rollout
 * waits for the liveness health check instead (renderNotes says so).
 */
export function readinessChecksOf(config: ShovelConfig, dialect: MarathonDialect): Record<string, unknown>[] {
  const ready = config.health.readiness;
  if (dialect !== '1.x' || ready?.type !== 'http') return [];
  portIndexOf(config, ready.port);
  return [
    {
      name: 'readiness',
      protocol: 'HTTP',
      path: ready.path,
      portName: ready.port,
      intervalSeconds: config.health.intervalSeconds,
      timeoutSeconds: config.health.timeoutSeconds,
      httpStatusCodesForReady: [200],
    },
  ];
}
