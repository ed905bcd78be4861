/**
 * The port contract between Shovel and the service it releases, stated once: the service
 * listens for HTTP on $PORT and serves metrics on $METRICS_PORT, and reads nothing else for
 * its ports (shovel.yml's `ports: {http, metrics}` form; in the list form any port may name
 * the variable it is read from with `env`). Shovel sets each to the port the service must bind
 * where it runs: on Marathon and on the docker target's default network the CONTAINER port; on
 * the docker target with host networking the instance's host port (portEnvOf in
 * src/config/schema.ts).
 *
 * Why not Marathon's own variables: in bridge mode every port variable Marathon sets (PORT0..,
 * PORT_<containerPort>, PORT_<NAME>, PORT, PORTS) holds a HOST port, while the application
 * must bind its container port (Marathon's docs/docs/task-environment-vars.md and ports.md).
 * The app definition's `env` is applied after them (mesos/TaskBuilder.scala), so the PORT set
 * here wins over Marathon's PORT.
 *
 * The generated service's src/config.ts reads exactly these names (a test pins it).
 */

/** The variable each port of the service is read from. */
export const PORT_ENV = { http: 'PORT', metrics: 'METRICS_PORT' } as const;

export type PortEnvName = (typeof PORT_ENV)[keyof typeof PORT_ENV];

export const PORT_ENV_NAMES: readonly PortEnvName[] = [PORT_ENV.http, PORT_ENV.metrics];

/** The ports the service binds (on Marathon: the container ports). */
export interface ServicePorts {
  http: number;
  metrics: number;
}

/** The environment that tells the service where to listen. */
export function portEnv(ports: ServicePorts): Record<PortEnvName, string> {
  return { [PORT_ENV.http]: String(ports.http), [PORT_ENV.metrics]: String(ports.metrics) };
}

/**
 * The service's listen address. Marathon sets HOST to the agent's host name
 * (mesos/TaskBuilder.scala), an address a bridged container does not have, so a service that
 * binds $HOST there cannot start: on Marathon the app's env sets it back to every address.
 */
export const LISTEN_ADDRESS_ENV = 'HOST';
export const LISTEN_EVERYWHERE = '0.0.0.0';

/** The environment of a task in its own network namespace (Marathon bridge mode). */
export function bridgedTaskEnv(ports: ServicePorts): Record<PortEnvName | typeof LISTEN_ADDRESS_ENV, string> {
  return { ...portEnv(ports), [LISTEN_ADDRESS_ENV]: LISTEN_EVERYWHERE };
}
