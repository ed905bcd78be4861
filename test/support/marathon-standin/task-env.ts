/**
 * The environment of a task, built as Marathon builds it and never rewritten afterwards:
 *
 *   mesosphere/marathon src/main/scala/mesosphere/mesos/TaskBuilder.scala (commandInfo):
 *     taskContextEnv ++ (EnvironmentHelper.portsEnv ++ HOST) ++ the app's own `env`
 *
 * Later entries win, so the app's `env` overrides anything Marathon set (PORT included).
 * Facts also in docs/docs/task-environment-vars.md and docs/docs/ports.md: every port variable
 * holds a HOST port. By the version the stand-in reports (read at tags v1.7.236, v0.15.7 and
 * v0.11.1; other versions take the nearest of the three below them):
 * - 1.x: all of the below;
 * - 0.15: no MARATHON_APP_RESOURCE_GPUS, no PORT_<NAME>, no PORT_<n> for a declared port 0;
 * - 0.11: in addition no MARATHON_APP_RESOURCE_* and no MARATHON_APP_LABEL*.
 */
import { declaredPorts, type PortRequest } from './ports.js';

type Def = Record<string, unknown>;

export type EnvEra = '1.x' | '0.15' | '0.11';

/** Which TaskBuilder a Marathon version has. */
export function envEraOf(marathonVersion: string): EnvEra {
  const [major = 0, minor = 0] = marathonVersion.split('.').map(Number);
  if (major >= 1) return '1.x';
  return minor >= 14 ? '0.15' : '0.11';
}

export interface TaskEnvInput {
  /** The TaskBuilder of this Marathon version (default 1.x). */
  era?: EnvEra;
  def: Def;
  appId: string;
  /** The app version the task is launched with. */
  version: string;
  taskId: string;
  /** The agent's host name (the offer's hostname). */
  agentHost: string;
  /** The host port of each declared port, in order. */
  hostPorts: number[];
}

export function taskEnv(input: TaskEnvInput): Record<string, string> {
  const appEnv: Record<string, string> = {};
  // Only plain string values: `{"secret": ...}` references are resolved by Mesos, not here
  // (TaskBuilder.scala collects `EnvVarString` only).
  for (const [k, v] of Object.entries((input.def.env ?? {}) as Def)) if (typeof v === 'string') appEnv[k] = v;
  return {
    ...taskContextEnv(input),
    ...portsEnv(declaredPorts(input.def), input.hostPorts, input.era),
    HOST: input.agentHost,
    ...appEnv,
  };
}

/**
 * mesosphere/marathon src/main/scala/mesosphere/mesos/TaskBuilder.scala (taskContextEnv) with
 * the names of src/main/scala/mesosphere/mesos/TaskBuilderConstants.scala. Resources are Scala
 * Doubles printed with Double.toString ("256.0"); GPUs an Int (1.7).
 */
export function taskContextEnv(input: TaskEnvInput): Record<string, string> {
  const { def } = input;
  const era = input.era ?? '1.x';
  const image = ((def.container as Def | undefined)?.docker as Def | undefined)?.image;
  return {
    MESOS_TASK_ID: input.taskId,
    MARATHON_APP_ID: input.appId,
    MARATHON_APP_VERSION: input.version,
    ...(typeof image === 'string' ? { MARATHON_APP_DOCKER_IMAGE: image } : {}),
    ...(era === '0.11'
      ? {}
      : {
          MARATHON_APP_RESOURCE_CPUS: scalaDouble(Number(def.cpus ?? 1)),
          MARATHON_APP_RESOURCE_MEM: scalaDouble(Number(def.mem ?? 128)),
          MARATHON_APP_RESOURCE_DISK: scalaDouble(Number(def.disk ?? 0)),
          ...(era === '1.x' ? { MARATHON_APP_RESOURCE_GPUS: String(Math.trunc(Number(def.gpus ?? 0))) } : {}),
          ...labelsToEnvVars((def.labels ?? {}) as Record<string, string>),
        }),
  };
}

const MAX_ENV_LENGTH = 512;
const LABEL_PREFIX = 'MARATHON_APP_LABEL_';

/**
 * mesosphere/marathon src/main/scala/mesosphere/mesos/EnvironmentHelper.scala
 * (labelsToEnvVars): names sanitised to [A-Z0-9_], labels with a too long key or value left
 * out, MARATHON_APP_LABELS always set (the sanitised names, space separated).
 */
export function labelsToEnvVars(labels: Record<string, string>): Record<string, string> {
  const valid = Object.entries(labels)
    .filter(([key, value]) => key.length < MAX_ENV_LENGTH - LABEL_PREFIX.length && String(value).length < MAX_ENV_LENGTH)
    .map(([key, value]) => [key.replace(/[^a-zA-Z0-9_]+/g, '_').toUpperCase(), String(value)] as const);
  const env: Record<string, string> = { MARATHON_APP_LABELS: valid.map(([key]) => key).join(' ') };
  for (const [key, value] of valid) env[`${LABEL_PREFIX}${key}`] = value;
  return env;
}

/**
 * mesosphere/marathon src/main/scala/mesosphere/mesos/EnvironmentHelper.scala (portsEnv), for
 * tasks that have a host port for every declared port (all the stand-in launches):
 *   PORT<i> = host port i; PORT_<declared port> = host port (PORT_<host port> when the declared
 *   port is 0); PORT_<NAME upper-cased> = host port; PORT = the first; PORTS = all, comma
 *   separated. The declared port is the CONTAINER port when there are port mappings.
 */
export function portsEnv(requested: PortRequest[], hostPorts: number[], era: EnvEra = '1.x'): Record<string, string> {
  if (hostPorts.length === 0) return {};
  const env: Record<string, string> = {};
  hostPorts.forEach((hostPort, i) => (env[`PORT${i}`] = String(hostPort)));
  requested.forEach((r, i) => {
    const hostPort = hostPorts[i];
    if (hostPort === undefined) return;
    // 0.x (TaskBuilder.portsEnv there): only for a declared port other than 0.
    if (r.port !== 0) env[`PORT_${r.port}`] = String(hostPort);
    else if (era === '1.x') env[`PORT_${hostPort}`] = String(hostPort);
  });
  requested.forEach((r, i) => {
    const hostPort = hostPorts[i];
    if (era === '1.x' && hostPort !== undefined && r.name !== undefined) env[`PORT_${r.name.toUpperCase()}`] = String(hostPort);
  });
  env.PORT = String(hostPorts[0]);
  env.PORTS = hostPorts.join(',');
  return env;
}

/** Scala's Double.toString: 256 -> "256.0", 0.25 -> "0.25", 1e7 -> "1.0E7". */
export function scalaDouble(n: number): string {
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa = '', exponent = ''] = n.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
  }
  return Number.isInteger(n) ? `${n}.0` : String(n);
}
