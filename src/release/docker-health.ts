/**
 * The health checks of shovel.yml turned into probes of one docker-target container: HTTP and
 * TCP checks on the host port of the instance, commands through `docker exec`, and the
 * container's own state (exited, restarted, docker's health status).
 */
import type { Check, ShovelConfig } from '../config/schema.js';
import { execInContainer, inspectContainers, type ContainerInfo, type ContainerPort, type ReleasedChecks } from '../docker/containers.js';
import { checksOf, releasedChecks } from './docker-plan.js';
import type { ContainerState, NamedProbe, Probe } from './health.js';

export function localUrl(port: number, path = ''): string {
  return `http://127.0.0.1:${port}${path}`;
}

function probeOf(check: Check, ports: Record<string, ContainerPort>, containerId: string): { label: string; probe: Probe } {
  if (check.type === 'command') {
    return { label: `command '${check.command}'`, probe: { kind: 'command', command: check.command, run: (timeoutMs, signal) => execInContainer(containerId, check.command, timeoutMs, signal) } };
  }
  const port = ports[check.port];
  if (!port) return { label: `${check.type} on ${check.port}`, probe: { kind: 'tcp', port: 0 } };
  if (check.type === 'http') return { label: check.path, probe: { kind: 'http', url: localUrl(port.hostPort, check.path) } };
  return { label: `tcp ${port.hostPort}`, probe: { kind: 'tcp', port: port.hostPort } };
}

/** The probes of one container for `checks` (readiness first). */
export function instanceProbes(checks: ReleasedChecks, ports: Record<string, ContainerPort>, containerId: string): NamedProbe[] {
  return checksOf(checks).map(({ name, check }) => ({ name, ...probeOf(check, ports, containerId) }));
}

/**
 * The checks a running container is judged by: those it was released with (a config change
 * since must not fail an older container); for containers of earlier releases, shovel.yml's.
 */
export function checksFor(container: ContainerInfo, config: ShovelConfig): ReleasedChecks {
  return container.checks ?? releasedChecks(config);
}

/**
 * Looks at a container the health gate waits for: gone, exited, restarted (since the first
 * `restartsBefore`, default the first look: an old container started again keeps its count),
 * its docker health.
 */
export function containerState(containerId: string, restartsBefore?: number): () => Promise<ContainerState> {
  return async () => {
    const [info] = await inspectContainers([containerId]);
    if (!info) return { gone: 'the container disappeared' };
    restartsBefore ??= info.restartCount;
    const restarts = info.restartCount - restartsBefore;
    if (restarts > 0) return { gone: `the container exited with code ${info.exitCode} and was restarted ${restarts} time(s)` };
    if (!info.running) return { gone: `the container exited with code ${info.exitCode}` };
    return { ...(info.health ? { health: info.health } : {}), ...(info.healthOutput ? { healthOutput: info.healthOutput } : {}) };
  };
}
