/**
 * ShovelConfig -> Marathon app definition, in the JSON dialect of the Marathon that will
 * receive it (GET /v2/info tells which). Pure: same input, same JSON, so tests pin it.
 */
import { ShovelError, UsageError, EXIT } from '../errors.js';
import { appIdOf, portEnvOf, publicPort, type ShovelConfig } from '../config/schema.js';
import { LISTEN_ADDRESS_ENV, LISTEN_EVERYWHERE, PORT_ENV_NAMES } from '../release/port-contract.js';
import { healthChecksOf, readinessChecksOf } from './render-health.js';
import { assertVolumesExpressible, containerVolumesOf, residencyOf } from './render-volumes.js';
import type { MarathonDialect } from './types.js';

/**
 * `docker run --init` on the agent: node is PID 1 in the image and does not reap orphaned
 * children; docker's init does, and forwards SIGTERM so the drain still runs. Docker
 * containerizer parameters are passed to the docker CLI as `--key=value`
 * (AppDefinition.json: container.docker.parameters, 0.11 to 1.x).
 */
const INIT_PARAMETERS = [{ key: 'init', value: 'true' }];

export type { MarathonDialect } from './types.js';

export interface RenderOptions {
  /** repo:tag or repo@sha256:digest; never a reused tag (forcePullImage stays false). */
  image: string;
  dialect: MarathonDialect;
  /** Extra labels (e.g. git sha); cannot override Shovel's own or marathon-lb's. */
  labels?: Record<string, string>;
}

/** Variables Shovel sets from the config; config.env may not set them too. */
export const RESERVED_ENV = [...PORT_ENV_NAMES, LISTEN_ADDRESS_ENV, 'SHUTDOWN_DELAY_MS', 'SHUTDOWN_TIMEOUT_MS'] as const;

/**
 * - 1.5+ (and any later major): networks + container.portMappings, MESOS_HTTP, readiness.
 * - 1.0-1.4 get the 0.15 form: `networks` only exists from 1.5, and docker.network is still
 *   accepted there. That loses readiness (1.1+) and the kill grace period (1.3+) on 1.1-1.4,
 *   which is the safe direction (an unknown field would be a 422).
 * - 0.14-0.x: the 0.15.7 schema; older: the 0.11.1 schema (no `fetch`, free-form protocols).
 */
export function dialectFor(version: string): MarathonDialect {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!match) {
    throw new ShovelError('SHOVEL_ERR_MARATHON_VERSION', `Marathon reported version "${version}", which is not a version number.`, EXIT.failed);
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major > 1 || (major === 1 && minor >= 5)) return '1.x';
  if (major === 1 || minor >= 14) return '0.15';
  return '0.11';
}

export function renderAppDefinition(config: ShovelConfig, options: RenderOptions): Record<string, unknown> {
  if (!hasTagOrDigest(options.image)) {
    throw new UsageError('SHOVEL_ERR_MARATHON_IMAGE', `Image "${options.image}" needs an explicit tag or digest (repo:tag or repo@sha256:...).`);
  }
  const { dialect } = options;
  assertVolumesExpressible(config, dialect);
  const oneX = dialect === '1.x';
  const secrets = secretsOf(config, dialect);
  const env = { ...environmentOf(config), ...secrets.env };
  const labels = labelsOf(config, options.labels ?? {});
  const volumes = containerVolumesOf(config);
  const constraints = constraintsOf(config, dialect);
  const base = {
    id: appIdOf(config),
    cpus: config.resources.cpus,
    mem: config.resources.memory,
    instances: config.resources.instances,
    // Marathon: `cmd` is run by `/bin/sh -c`; `args` go to the image's entrypoint
    // (AppDefinition.json, cmd and args; one or the other, never both).
    ...(config.command !== undefined ? { cmd: config.command } : {}),
    ...(config.args !== undefined ? { args: config.args } : {}),
    ...(constraints.length > 0 ? { constraints } : {}),
  };
  const upgradeStrategy = {
    minimumHealthCapacity: config.upgradeStrategy.minimumHealthCapacity,
    maximumOverCapacity: config.upgradeStrategy.maximumOverCapacity,
  };
  const healthChecks = healthChecksOf(config, dialect);

  if (oneX) {
    return {
      ...base,
      container: {
        type: 'DOCKER',
        // Unique tags or digests: a forced pull would only slow every start.
        docker: { image: options.image, forcePullImage: false, parameters: INIT_PARAMETERS },
        // Every port bridged: the software binds its container port, Docker forwards a host
        // port Mesos picks (hostPort 0) to it.
        portMappings: config.ports.map((p) => ({ containerPort: p.containerPort, hostPort: 0, name: p.name, protocol: p.protocol })),
        ...(volumes.length > 0 ? { volumes } : {}),
      },
      networks: [{ mode: 'container/bridge' }],
      env,
      ...secrets.declared,
      labels,
      healthChecks,
      readinessChecks: readinessChecksOf(config, dialect),
      upgradeStrategy,
      ...residencyOf(config),
      // SIGTERM -> SIGKILL; the config schema makes it exceed shutdown delay + drain timeout
      // (for a stateful service: the time it needs to flush its data).
      taskKillGracePeriodSeconds: config.killGracePeriodSeconds,
      ...(config.marathon.registryCredentialsUri ? { fetch: [{ uri: config.marathon.registryCredentialsUri }] } : {}),
    };
  }

  // 0.x: bridge networking and port mappings live under container.docker, health checks are
  // run by Marathon itself (HTTP/TCP + portIndex) or by Mesos (COMMAND). Lost compared with
  // 1.x: readinessChecks (the rollout waits for LIVENESS instead, so a not-yet-ready task may
  // get traffic), the SIGTERM->SIGKILL grace period (Mesos' executor default applies, which can
  // cut the drain short), port names ($PORT_<NAME>) and agent-side checks. Persistent volumes
  // and secrets are refused above rather than lost.
  const credentials = config.marathon.registryCredentialsUri;
  return {
    ...base,
    container: {
      type: 'DOCKER',
      docker: {
        image: options.image,
        network: 'BRIDGE',
        forcePullImage: false,
        parameters: INIT_PARAMETERS,
        portMappings: config.ports.map((p) => ({ containerPort: p.containerPort, hostPort: 0, protocol: p.protocol })),
      },
      ...(volumes.length > 0 ? { volumes } : {}),
    },
    env,
    labels,
    healthChecks,
    upgradeStrategy,
    // 0.11 has no `fetch` yet; `uris` is its predecessor (fetched and extracted the same way).
    ...(credentials ? (dialect === '0.15' ? { fetch: [{ uri: credentials }] } : { uris: [credentials] }) : {}),
  };
}

/**
 * With bridge networking the software listens on its CONTAINER ports (Marathon maps random host
 * ports to them and puts the HOST ports in PORT0, PORT_<NAME>, PORT...): every port with `env`
 * gets its container port in that variable through the app's env, which Marathon applies last,
 * and HOST is set back to every address (see ../release/port-contract.ts).
 */
function environmentOf(config: ShovelConfig): Record<string, string> {
  const portEnv = portEnvOf(config, 'container');
  const clash = [...new Set([...RESERVED_ENV, ...Object.keys(portEnv)])].filter((name) => name in config.env);
  if (clash.length > 0) {
    throw new UsageError('SHOVEL_ERR_MARATHON_RESERVED_ENV', `env sets ${clash.join(', ')}, which Shovel derives from ports, the listen address and shutdown.`, {
      hint: 'Remove them from env in shovel.yml; change ports, ports[].env or shutdown instead.',
    });
  }
  return {
    ...config.env,
    ...portEnv,
    [LISTEN_ADDRESS_ENV]: LISTEN_EVERYWHERE,
    SHUTDOWN_DELAY_MS: String(config.shutdown.delayMs),
    SHUTDOWN_TIMEOUT_MS: String(config.shutdown.timeoutMs),
  };
}

/**
 * Marathon secrets (1.x; AppDefinition.json `secrets` and env values {"secret": name},
 * api/v2/validation/SecretValidation.scala): each variable's secret is declared under the
 * variable's own name. A cluster without a secrets plugin (--enable_features secrets) answers
 * 422; 0.x has no secrets at all, and sending the path as a plain value would be wrong, so it is
 * refused.
 */
function secretsOf(config: ShovelConfig, dialect: MarathonDialect): { env: Record<string, { secret: string }>; declared: { secrets?: Record<string, { source: string }> } } {
  const names = Object.keys(config.secrets);
  if (names.length === 0) return { env: {}, declared: {} };
  if (dialect !== '1.x') {
    throw new UsageError('SHOVEL_ERR_MARATHON_DIALECT', `secrets (${names.join(', ')}) need Marathon 1.5 or later (the 1.x dialect); ${dialect} has no secrets.`, {
      hint: 'Release to Marathon 1.5+ with a secret store, or pass the values as env "${VAR}" from the releasing shell.',
    });
  }
  const clash = names.filter((name) => name in config.env || (RESERVED_ENV as readonly string[]).includes(name) || name in portEnvOf(config, 'container'));
  if (clash.length > 0) {
    throw new UsageError('SHOVEL_ERR_MARATHON_RESERVED_ENV', `secrets set ${clash.join(', ')}, which env, ports or Shovel itself set too.`);
  }
  return {
    env: Object.fromEntries(names.map((name) => [name, { secret: name }])),
    declared: { secrets: Object.fromEntries(names.map((name) => [name, { source: config.secrets[name]! }])) },
  };
}

/**
 * Marathon constraints as [field, operator(, value)]. The dialects' operators
 * (AppDefinition.json at v1.7.236, v0.15.7; docs/docs/rest-api/public/api/v2/types/constraint.raml):
 * MAX_PER from 1.0, IS only from 1.6, after the 1.x dialect's oldest version (1.5). IS is sent
 * as the LIKE it equals: LIKE matches the WHOLE attribute value against a regex
 * (mesos/Constraints.scala, checkLike: offerValue.matches), so the value quoted as a regex
 * matches exactly that text. Lost: IS's number normalisation of scalar attributes ("1.0" is
 * "1"). MAX_PER before 1.0 is refused (no equivalent).
 */
function constraintsOf(config: ShovelConfig, dialect: MarathonDialect): string[][] {
  return config.constraints.map((c) => {
    const [field, operator, value] = c as [string, string, string?];
    if (operator === 'IS') return [field, 'LIKE', (value ?? '').replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&')];
    if (operator === 'MAX_PER' && dialect !== '1.x') {
      throw new UsageError('SHOVEL_ERR_MARATHON_DIALECT', `The constraint [${c.join(', ')}] needs Marathon 1.0 or later; the ${dialect} dialect has no MAX_PER.`);
    }
    return value === undefined ? [field, operator] : [field, operator, value];
  });
}

/**
 * User labels (shovel.yml `labels`, then release labels such as the git sha), then Shovel's
 * own: SHOVEL_* and marathon-lb's HAPROXY_* are Shovel's alone. The public port, and only it,
 * gets HAPROXY_GROUP=external and HAPROXY_<n>_VHOST=publicHost, n being its index in the port
 * mappings (marathon-lb's per-service-port labels). A metrics port never gets a VHOST: it
 * would publish internal metrics on the internet; and no metrics labels are rendered:
 * Prometheus' Marathon discovery exposes app and port labels but defines no key of its own to
 * follow.
 */
function labelsOf(config: ShovelConfig, extra: Record<string, string>): Record<string, string> {
  const given = { ...config.labels, ...extra };
  const refused = Object.keys(given).filter((key) => key.startsWith('HAPROXY_') || key.startsWith('SHOVEL_'));
  if (refused.length > 0) {
    throw new UsageError('SHOVEL_ERR_MARATHON_LABELS', `Labels ${refused.join(', ')} are set by Shovel itself.`, {
      hint: 'HAPROXY_* labels come from publicHost and the public port (and only ever expose that port).',
    });
  }
  const labels: Record<string, string> = { ...given, SHOVEL_SERVICE: config.service.id };
  if (config.service.team) labels.SHOVEL_TEAM = config.service.team;
  if (config.publicHost) {
    const port = publicPort(config);
    if (!port) {
      throw new UsageError('SHOVEL_ERR_MARATHON_PUBLIC_PORT', `publicHost ${config.publicHost} is set, but no port is public.`, {
        hint: 'Mark the port behind the public URL with public: true, or remove publicHost.',
      });
    }
    labels.HAPROXY_GROUP = 'external';
    labels[`HAPROXY_${config.ports.indexOf(port)}_VHOST`] = config.publicHost;
  }
  return labels;
}

/** The tag sits in the LAST path segment (a registry's host:port has a colon too). */
function hasTagOrDigest(image: string): boolean {
  if (/\s/.test(image)) return false;
  if (/^[^@]+@sha256:[a-f0-9]{64}$/.test(image)) return true;
  const last = image.split('/').pop() ?? '';
  return /^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(last);
}
