/**
 * A task's networking and port assignments, the way Marathon derives them from an app
 * definition (in all three JSON dialects the stand-in accepts).
 */

type Def = Record<string, unknown>;

/** `bridge`: the task has its own network namespace; only its host ports are reachable. */
export type NetworkMode = 'host' | 'bridge';

/** One declared port: a port mapping (bridge) or a port definition (host). */
export interface PortRequest {
  name?: string;
  /** bridge: the containerPort (0 = the host port); host: the requested host port (0 = any). */
  port: number;
  /** bridge: the requested hostPort (0 = any; undefined = none, container networking only). */
  hostPort?: number;
}

/** mesosphere/marathon src/main/scala/mesosphere/marathon/state/PortAssignment.scala */
export interface PortAssignment {
  name?: string;
  /** The port the task is reached on from outside: the host port. */
  hostPort: number;
  /** bridge: the port bound inside the task's namespace; host: undefined. */
  containerPort?: number;
}

/**
 * 1.5+: `networks[0].mode` (`container/bridge`, `container` or `host`, the default);
 * 0.x: `container.docker.network` (`BRIDGE`, `USER` or `HOST`, the default).
 * Both non-host modes give the task a network namespace of its own (docs/docs/ports.md).
 */
export function networkModeOf(def: Def): NetworkMode {
  const networks = Array.isArray(def.networks) ? (def.networks as Def[]) : [];
  const docker = ((def.container as Def | undefined)?.docker ?? {}) as Def;
  const mode = networks.length > 0 ? String(networks[0]!.mode ?? 'host') : String(docker.network ?? 'HOST').toLowerCase();
  return mode === 'host' ? 'host' : 'bridge';
}

/**
 * The ports an app declares, as mesosphere/marathon src/main/scala/mesosphere/mesos/
 * TaskBuilder.scala (commandInfo, `declaredPorts`) reads them: the container's port mappings if
 * there are any, else the port definitions. 1.x keeps port mappings in `container.portMappings`,
 * 0.x in `container.docker.portMappings`; 0.x port definitions may be the bare `ports` array.
 * With host networking and no ports declared, an app gets one port (docs/docs/ports.md: "Each
 * Marathon application is given a single port by default").
 */
export function declaredPorts(def: Def): PortRequest[] {
  const container = (def.container ?? {}) as Def;
  const docker = (container.docker ?? {}) as Def;
  const mappings = (Array.isArray(container.portMappings) ? container.portMappings : Array.isArray(docker.portMappings) ? docker.portMappings : []) as Def[];
  if (networkModeOf(def) === 'bridge') {
    return mappings.map((m) => ({
      ...(typeof m.name === 'string' ? { name: m.name } : {}),
      port: Number(m.containerPort ?? 0),
      // A bridge mapping without hostPort gets a dynamic one (hostPort defaults to 0 there).
      hostPort: m.hostPort === undefined ? 0 : Number(m.hostPort),
    }));
  }
  if (Array.isArray(def.portDefinitions)) {
    return (def.portDefinitions as Def[]).map((p) => ({ ...(typeof p.name === 'string' ? { name: p.name } : {}), port: Number(p.port ?? 0) }));
  }
  if (Array.isArray(def.ports)) return (def.ports as unknown[]).map((p) => ({ port: Number(p) }));
  return [{ port: 0 }];
}

/**
 * Host ports to allocate: a requested non-zero port is taken as is, 0 means any free one.
 * Returns, per declared port, the fixed port or undefined (= allocate one).
 */
export function requestedHostPorts(def: Def): Array<number | undefined> {
  const bridge = networkModeOf(def) === 'bridge';
  return declaredPorts(def).map((p) => {
    const wanted = bridge ? p.hostPort : p.port;
    return wanted !== undefined && wanted > 0 ? wanted : undefined;
  });
}

/**
 * mesosphere/marathon src/main/scala/mesosphere/marathon/core/task/state/NetworkInfo.scala
 * (computePortAssignments): with port mappings, the effective port is the HOST port and the
 * container port is kept beside it, a containerPort of 0 meaning "the same as the host port"
 * (also TaskBuilder.scala, boundPortMappings); with port definitions there is only the host
 * port.
 */
export function portAssignments(def: Def, hostPorts: number[]): PortAssignment[] {
  const bridge = networkModeOf(def) === 'bridge';
  return declaredPorts(def).map((p, i) => {
    const hostPort = hostPorts[i]!;
    return {
      ...(p.name !== undefined ? { name: p.name } : {}),
      hostPort,
      ...(bridge ? { containerPort: p.port === 0 ? hostPort : p.port } : {}),
    };
  });
}
