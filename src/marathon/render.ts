/**
 * ShovelConfig -> Marathon app definition, in the JSON dialect of the Marathon that will
 * receive it (GET /v2/info tells which). Pure: same input, same JSON, so tests pin it.
 */
import { ShovelError, UsageError, EXIT } from '../errors.js';
import { appIdOf, portEnvOf, type ShovelConfig } from '../config/schema.js';
import { LISTEN_ADDRESS_ENV, LISTEN_EVERYWHERE, PORT_ENV_NAMES } from '../release/port-contract.js';
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
  const env = environmentOf(config);
  const labels = labelsOf(config, options.labels ?? {});
  const { health } = config;
  const upgradeStrategy = {
    minimumHealthCapacity: config.upgradeStrategy.minimumHealthCapacity,
    maximumOverCapacity: config.upgradeStrategy.maximumOverCapacity,
  };
  const base = {
    id: appIdOf(config),
    cpus: config.resources.cpus,
    mem: config.resources.memory,
    instances: config.resources.instances,
  };
  // Liveness, not readiness: Marathon KILLS tasks that fail a health check, and a service that
  // is merely not ready (a dependency down, or draining) must not be killed for it.
  const live = health.liveness;
  const portIndexOf = (name: string) => Math.max(0, config.ports.findIndex((p) => p.name === name));
  const timing = {
    gracePeriodSeconds: health.gracePeriodSeconds,
    intervalSeconds: health.intervalSeconds,
    timeoutSeconds: health.timeoutSeconds,
    maxConsecutiveFailures: health.maxConsecutiveFailures,
  };

  if (options.dialect === '1.x') {
    return {
      ...base,
      container: {
        type: 'DOCKER',
        // Unique tags or digests: a forced pull would only slow every start.
        docker: { image: options.image, forcePullImage: false, parameters: INIT_PARAMETERS },
        portMappings: config.ports.map((p) => ({ containerPort: p.containerPort, hostPort: 0, name: p.name, protocol: p.protocol })),
      },
      networks: [{ mode: 'container/bridge' }],
      env,
      labels,
      healthChecks: [
        // MESOS_HTTP is run by the agent next to the task (Marathon-run HTTP checks are
        // deprecated since 1.4). Two exceptions:
        // - maxConsecutiveFailures 0 means "never kill" for HTTP but "kill at the first
        //   failure" for MESOS_HTTP, so keep the meaning by using HTTP then;
        // - delaySeconds defaults to 15 s for MESOS_*, which only delays the first healthy
        //   report: gracePeriodSeconds already covers a slow start.
      ...(live?.type === 'http'
          ? [
              health.maxConsecutiveFailures === 0
                ? { protocol: 'HTTP', path: live.path, portIndex: portIndexOf(live.port), ...timing }
                : { protocol: 'MESOS_HTTP', path: live.path, portIndex: portIndexOf(live.port), ...timing, delaySeconds: 0 },
            ]
          : live?.type === 'tcp'
            ? [{ protocol: 'MESOS_TCP', portIndex: portIndexOf(live.port), ...timing, delaySeconds: 0 }]
            : live?.type === 'command'
              ? [{ protocol: 'COMMAND', command: { value: live.command }, ...timing, delaySeconds: 0 }]
              : []),
      ],
      // Gates the rollout only: old tasks are killed once new ones are ready.
      readinessChecks:
        health.readiness?.type === 'http'
          ? [
              {
                name: 'readiness',
                protocol: 'HTTP',
                path: health.readiness.path,
                portName: health.readiness.port,
                intervalSeconds: health.intervalSeconds,
                timeoutSeconds: health.timeoutSeconds,
                httpStatusCodesForReady: [200],
              },
            ]
          : [],
      upgradeStrategy,
      // SIGTERM -> SIGKILL; the config schema makes it exceed shutdown delay + drain timeout.
      taskKillGracePeriodSeconds: config.killGracePeriodSeconds,
      ...(config.marathon.registryCredentialsUri ? { fetch: [{ uri: config.marathon.registryCredentialsUri }] } : {}),
    };
  }

  // 0.x: bridge networking and port mappings live under container.docker, health checks are
  // run by Marathon itself (HTTP + portIndex). Lost compared with 1.x: readinessChecks (the
  // rollout waits for LIVENESS instead, so a not-yet-ready task may get traffic), the
  // SIGTERM->SIGKILL grace period (Mesos' executor default applies, which can cut the drain
  // short), port names ($PORT_HTTP) and agent-side checks.
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
    },
    env,
    labels,
    healthChecks:
      live?.type === 'http'
        ? [{ protocol: 'HTTP', path: live.path, portIndex: portIndexOf(live.port), ...timing }]
        : live?.type === 'tcp'
          ? [{ protocol: 'TCP', portIndex: portIndexOf(live.port), ...timing }]
          : live?.type === 'command'
            ? [{ protocol: 'COMMAND', command: { value: live.command }, ...timing }]
            : [],
    upgradeStrategy,
    // 0.11 has no `fetch` yet; `uris` is its predecessor (fetched and extracted the same way).
    ...(credentials ? (options.dialect === '0.15' ? { fetch: [{ uri: credentials }] } : { uris: [credentials] }) : {}),
  };
}

/**
 * With bridge networking the service listens on its CONTAINER ports (Marathon maps random host
 * ports to them and puts the HOST ports in PORT0, PORT_HTTP, PORT...): the app's env, which
 * Marathon applies last, sets the port contract's PORT/METRICS_PORT to the container ports and
 * HOST back to every address (see ../release/port-contract.ts).
 */
function environmentOf(config: ShovelConfig): Record<string, string> {
  const clash = RESERVED_ENV.filter((name) => name in config.env);
  if (clash.length > 0) {
    throw new UsageError('SHOVEL_ERR_MARATHON_RESERVED_ENV', `env sets ${clash.join(', ')}, which Shovel derives from ports, the listen address and shutdown.`, {
      hint: 'Remove them from env in shovel.yml; change ports.http, ports.metrics or shutdown instead.',
    });
  }
  return {
    ...config.env,
    ...portEnvOf(config, 'container'),
    [LISTEN_ADDRESS_ENV]: LISTEN_EVERYWHERE,
    SHUTDOWN_DELAY_MS: String(config.shutdown.delayMs),
    SHUTDOWN_TIMEOUT_MS: String(config.shutdown.timeoutMs),
  };
}

function labelsOf(config: ShovelConfig, extra: Record<string, string>): Record<string, string> {
  const refused = Object.keys(extra).filter((key) => key.startsWith('HAPROXY_') || key.startsWith('SHOVEL_'));
  if (refused.length > 0) {
    throw new UsageError('SHOVEL_ERR_MARATHON_LABELS', `Labels ${refused.join(', ')} are set by Shovel itself.`, {
      hint: 'HAPROXY_* labels come from publicHost (and only ever expose the http port).',
    });
  }
  const labels: Record<string, string> = { ...extra, SHOVEL_SERVICE: config.service.id };
  if (config.service.team) labels.SHOVEL_TEAM = config.service.team;
  if (config.publicHost) {
    // Index 0 is the http port mapping. The metrics port must never get a VHOST: it would
    // publish internal metrics on the internet.
    labels.HAPROXY_GROUP = 'external';
    labels.HAPROXY_0_VHOST = config.publicHost;
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
