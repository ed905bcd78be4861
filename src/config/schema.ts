/**
 * The schema of shovel.yml, the release config of a generated service. One zod schema gives
 * the parser, the TypeScript type, and the JSON Schema editors use (schema/shovel.schema.json,
 * written by `npm run build`).
 */
import { builtinModules } from 'node:module';
import { z } from 'zod';
import * as rules from '../inputs/rules.js';
import { RESERVED_ENV } from '../marathon/render.js';

function rule(check: rules.Rule<string>) {
  return (value: string, ctx: z.RefinementCtx) => {
    const broken = check(value);
    if (broken) ctx.addIssue({ code: 'custom', message: `must ${broken}` });
  };
}

/**
 * A string checked by a shared rule, whose regex form `pattern` also goes into the JSON
 * Schema (editors then refuse what the CLI refuses). The message is the rule's own; what the
 * pattern cannot say (a reserved name) is checked by the rule once the pattern matches.
 */
export function patterned(check: rules.Rule<string>, pattern: RegExp) {
  return z
    .string()
    .regex(pattern, { error: (issue) => `must ${check(String(issue.input)) ?? `match ${pattern.source}`}` })
    .superRefine((value, ctx) => {
      if (pattern.test(value)) rule(check)(value, ctx);
    });
}

/** A number in one of the shared ranges (src/inputs/rules.ts), with the same rule text. */
function ranged(name: rules.RangeName) {
  const r = rules.RANGES[name];
  const message = `must ${rules.rangeRule(name)}`;
  const base = r.integer ? z.number().int({ message }) : z.number();
  return base.min(r.min, { message }).max(r.max, { message });
}

/** Regex forms of the shared rules, for the JSON Schema (test/config/schema-refusals.test.ts holds them to the rules). */
export const PATTERNS = {
  /** rules.serviceName without the reserved names (those are listed in the JSON Schema as `not.enum`). */
  serviceName: /^(?!.*(?:restart|tasks|versions)$)[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
  /** rules.marathonGroup, built from the one Marathon id-segment regex. */
  marathonGroup: new RegExp(`^(?:/|(?:/${rules.MARATHON_ID_SEGMENT.source.slice(1, -1)})+)$`),
  /** rules.hostName: empty, or two or more lowercase DNS labels, at most 253 characters. */
  hostName: /^(?:|(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$/,
  /** rules.imageRepository. */
  imageRepository:
    /^(?:(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/,
  /** rules.baseImage: a tag other than latest, and/or a digest. */
  baseImage: /^(?!.*:latest(?:@|$))[a-z0-9][a-z0-9._\-/:]*?(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(?:@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$/,
  /**
   * rules.httpUrl: empty, or http(s):// with a host and a port, no credentials, query or
   * fragment. The host is a bracketed IPv6 address, a dotted-quad IPv4 one, or a name whose
   * last label is not a number (a URL parser reads `http://9999999999` or `http://a.0x1f` as an
   * IPv4 number, and refuses it when out of range).
   */
  httpUrl: new RegExp(
    [
      '^(?:|[Hh][Tt][Tt][Pp][Ss]?://(?:',
      '\\[(?:::1|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4})?)\\]',
      '|(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])',
      '|(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)*(?![0-9]+(?:[:/]|$))(?!0[xX][0-9A-Fa-f]*(?:[:/]|$))[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?',
      ')(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(?:/[^\\s?#]*)?)$',
    ].join(''),
  ),
} as const;

/** Names of Node.js core modules and the like that pass PATTERNS.serviceName but rules.serviceName refuses. */
export const RESERVED_SERVICE_NAMES = builtinModules.filter((name) => PATTERNS.serviceName.test(name) && rules.serviceName(name) !== undefined).sort();

const seconds = (min: number, max: number) => z.number().int().min(min).max(max);
/** An absolute URL path (health checks, metrics). */
export const urlPath = z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be an absolute URL path such as /health/live');
const absolutePath = z.string().regex(/^\/(?:[^\0]*)$/, 'must be an absolute path such as /var/lib/data').refine((p) => !p.split('/').includes('..'), 'must not contain ..');

/** Marathon's `Name` type (port names; docs/docs/rest-api/public/api/v2/types/stringTypes.raml), also used for volume names. */
export const NAME_PATTERN = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const nameOf = (what: string) =>
  z.string().regex(NAME_PATTERN, `must be a ${what} name: lowercase letters, digits and hyphens, starting and ending with a letter or digit, at most 63 characters`);
const portName = nameOf('port');

/** A release version, as shovel.yml and --version give it; the image tag starts with it. */
export const versionSchema = z
  .string({ error: 'must be a quoted string such as "1.2.0" (YAML reads 1.2 as a number)' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/, 'must be a version such as 1.2.0 or 2024.05.1-rc.1 (letters, digits, . _ + -; at most 100 characters)');

/** Environment variable names shovel sets itself (the port contract, HOST, shutdown); read when parsing. */
function reservedEnv(): readonly string[] {
  return RESERVED_ENV;
}

/** A portable environment variable name (POSIX: letters, digits and _, not starting with a digit). */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const anyEnvName = z.string().regex(ENV_NAME_PATTERN, 'must be an environment variable name: letters, digits and _, not starting with a digit');

export const envName = anyEnvName.refine((name) => !reservedEnv().includes(name), {
  error: (issue) => `must not be set: shovel sets ${String(issue.input)} itself (from ports, the listen address or shutdown)`,
});

/** A value of env or build.args: YAML numbers and booleans are taken as their text. */
const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** The service's extra environment; the JSON Schema output adds the reserved names (write-json-schema.ts). */
export const envSchema = z
  .record(envName, envValue)
  .default({})
  .describe('Extra environment variables: any variable names and values (numbers and booleans are passed as text); "${VAR}" is taken from the shell that releases (never printed or recorded), "$${" writes a literal "${"; not the names shovel sets itself');

const portEntry = z
  .object({
    name: portName.describe('The port name (Marathon port name; health checks and metrics refer to it).'),
    containerPort: ranged('containerPort').describe('The port the software binds inside its container; any port, 80 included.'),
    protocol: z.enum(['tcp', 'udp']).default('tcp').describe('tcp or udp.'),
    public: z.boolean().default(false).describe('Reachable at publicHost (marathon-lb VHOST); at most one port, tcp only.'),
    env: anyEnvName.optional().describe('The variable the software reads this port from; Shovel sets it. Without it the software binds containerPort itself.'),
    hostPort: ranged('containerPort')
      .optional()
      .describe('Docker target: the stable host port (instance i uses hostPort + i). Default: containerPort, or containerPort + 10000 below 1024.'),
  })
  .strict();

/** The two-port form of a service that follows the port contract (PORT and METRICS_PORT). */
const contractPorts = z
  .object({
    http: ranged('port').describe('The HTTP port the service listens on inside its container ($PORT), behind the public URL.'),
    metrics: ranged('port').describe(
      'The private metrics port ($METRICS_PORT), never given a public URL; must differ from ports.http. On the docker target its host port moves past the http ports of every instance when they would reach it.',
    ),
  })
  .strict();

const check = z.union([
  urlPath,
  z.object({ http: urlPath.describe('The path that must answer 200.'), port: portName.optional().describe('Default: the first tcp port.') }).strict(),
  z.object({ tcp: portName.describe('The port that must accept a connection.') }).strict(),
  z.object({ command: z.string().min(1).describe('Run inside the container with sh -c; exit 0 is healthy.') }).strict(),
]);

const volume = z.union([
  z
    .object({
      containerPath: absolutePath.describe('Where the data lives in the container.'),
      name: nameOf('volume').optional().describe('Default: derived from containerPath.'),
      persistent: z
        .object({ size: z.number().int().min(1).max(16777216).describe('MiB reserved on the agent (Marathon local persistent volume).') })
        .strict()
        .describe('Data that survives releases and restarts: Marathon keeps the task on the agent that holds it; the docker target uses a named volume.'),
    })
    .strict(),
  z
    .object({
      containerPath: absolutePath.describe('Where the directory appears in the container.'),
      name: nameOf('volume').optional(),
      hostPath: absolutePath.describe('A directory of the host (agent) mounted as is.'),
      mode: z.enum(['RW', 'RO']).default('RW').describe('Read-write or read-only.'),
    })
    .strict(),
]);

const CONSTRAINT_OPERATORS = ['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS'] as const;
const constraint = z.union([
  z.tuple([z.string().min(1), z.enum(CONSTRAINT_OPERATORS)]),
  z.tuple([z.string().min(1), z.enum(CONSTRAINT_OPERATORS), z.string()]),
]);

const labelKey = z
  .string()
  .min(1)
  .regex(/^(?!SHOVEL_|HAPROXY_)/, 'must not start with SHOVEL_ or HAPROXY_ (Shovel sets those)');

/** The file's keys as written (before normalization); shovelConfigSchema is what `shovel` parses with. */
export const shovelConfigObject = z
  .object({
    $schema: z.string().optional().describe('The JSON Schema editors validate this file with (yaml-language-server).'),
    version: versionSchema
      .optional()
      .describe('The release version; the image tag is <version>-<git sha>. Else the package.json version, else `git describe --tags --always`; `--version` overrides all.'),
    service: z
      .object({
        id: patterned(rules.serviceName, PATTERNS.serviceName)
          .meta({ not: { enum: RESERVED_SERVICE_NAMES } })
          .describe('The service name: Marathon app id segment, image name and DNS label (lowercase letters, digits, hyphens; starts with a letter; at most 63).'),
        group: patterned(rules.marathonGroup, PATTERNS.marathonGroup)
          .default('/')
          .describe('Marathon group, e.g. /payments; the app id is <group>/<id>.'),
        description: z.string().optional().describe('What the service does; the image description label (else package.json description).'),
        team: z.string().optional().describe('The team that owns the service (a Marathon label).'),
      })
      .strict()
      .describe('What is released.'),
    image: z
      .object({
        repository: patterned(rules.imageRepository, PATTERNS.imageRepository)
          .optional()
          .describe('Image repository without a tag, e.g. registry.example.com:5000/payments/orders; each build is tagged <version>-<git sha>. Required unless image.ref is set.'),
        nodeImage: patterned(rules.baseImage, PATTERNS.baseImage)
          .optional()
          .describe('Passed to `docker build` as the NODE_IMAGE build argument; a tag or digest, never latest (SHOVEL_NODE_IMAGE overrides it).'),
        ref: patterned(rules.baseImage, PATTERNS.baseImage)
          .optional()
          .describe('Deploy this image as it is, pinned by a tag other than latest or by a digest: nothing is built or pushed.'),
      })
      .strict()
      .superRefine((image, ctx) => {
        if (!image.repository && !image.ref) ctx.addIssue({ code: 'custom', path: ['repository'], message: 'must be set (a string), or image.ref to deploy an image without building' });
      })
      .meta({ anyOf: [{ properties: { repository: {} }, required: ['repository'] }, { properties: { ref: {} }, required: ['ref'] }] })
      .describe('Where the built image is pushed, or the image to deploy.'),
    build: z
      .object({
        dockerfile: z.string().min(1).default('Dockerfile').describe('The Dockerfile, relative to the repository root.'),
        context: z.string().min(1).default('.').describe('The build context, relative to the repository root.'),
        target: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a build stage name').optional().describe('The stage to build (docker build --target).'),
        args: z.record(anyEnvName, envValue).default({}).describe('Build arguments (--build-arg); "${VAR}" is taken from the releasing shell.'),
      })
      .strict()
      .default({ dockerfile: 'Dockerfile', context: '.', args: {} })
      .describe('How the image is built.'),
    resources: z
      .object({
        cpus: ranged('cpus').describe('CPU shares per instance (Marathon cpus; docker --cpus).'),
        memory: ranged('memory').describe('Memory limit per instance in MiB (Marathon mem; docker --memory).'),
        instances: ranged('instances').describe('Number of instances to run.'),
      })
      .strict()
      .describe('What each instance gets, and how many run.'),
    ports: z
      .union([z.array(portEntry), contractPorts])
      .default([])
      .describe('The ports the software binds inside its container: a list of named ports, or {http, metrics} for a service that reads PORT and METRICS_PORT.'),
    metrics: z
      .object({
        port: portName.describe('The port (by name) that serves metrics; never a public one.'),
        path: urlPath.default('/metrics').describe('The path of the metrics.'),
      })
      .strict()
      .optional()
      .describe('Where Prometheus metrics are served (absent: none).'),
    publicHost: patterned(rules.hostName, PATTERNS.hostName)
      .optional()
      .describe('Host name of the public URL (marathon-lb VHOST), e.g. orders.example.com; omit for an internal service.'),
    health: z
      .object({
        liveness: check
          .optional()
          .describe('Whether an instance is alive (failing it gets the instance killed): an HTTP path, {http, port}, {tcp: port} or {command}. Absent: none.'),
        readiness: check
          .optional()
          .describe('Whether an instance can take traffic (gates the rollout): an HTTP path, {http, port}, {tcp: port} or {command}. Absent: none.'),
        gracePeriodSeconds: seconds(0, 3600).default(30).describe('Seconds after start during which failed health checks do not count.'),
        intervalSeconds: seconds(1, 3600).default(10).describe('Seconds between health checks.'),
        timeoutSeconds: seconds(1, 3600).default(5).describe('Seconds a health check may take; must be less than intervalSeconds.'),
        maxConsecutiveFailures: z.number().int().min(0).max(100).default(3).describe('Failed checks in a row after which the task is killed (0: never).'),
      })
      .strict()
      .default({ gracePeriodSeconds: 30, intervalSeconds: 10, timeoutSeconds: 5, maxConsecutiveFailures: 3 })
      .describe('How Marathon and the docker target decide an instance is healthy.'),
    shutdown: z
      .object({
        delayMs: z.number().int().min(0).max(600000).default(5000).describe('SHUTDOWN_DELAY_MS: readiness answers 503 this long before the server stops accepting.'),
        timeoutMs: z.number().int().min(0).max(600000).default(10000).describe('SHUTDOWN_TIMEOUT_MS: in-flight requests get this long to finish.'),
      })
      .strict()
      .default({ delayMs: 5000, timeoutMs: 10000 })
      .describe('Graceful shutdown of the service, passed to it as environment variables.'),
    killGracePeriodSeconds: seconds(1, 3600).default(20).describe('SIGTERM to SIGKILL delay; must exceed shutdown.delayMs + shutdown.timeoutMs (a stateful service: long enough to flush its data).'),
    upgradeStrategy: z
      .object({
        minimumHealthCapacity: z.number().min(0).max(1).optional().describe('Share of instances that must stay healthy during a deployment (0 to 1). Default 1; with a persistent volume 0.5.'),
        maximumOverCapacity: z.number().min(0).max(1).optional().describe('Share of extra instances a deployment may start (0 to 1). Default 1; with a persistent volume it must be 0.'),
      })
      .strict()
      .default({})
      .describe('Marathon upgradeStrategy.'),
    env: envSchema,
    secrets: z
      .record(envName, z.string().min(1))
      .default({})
      .describe('Environment variables taken from Marathon secrets: NAME: the secret\'s path in the cluster\'s store. The docker target takes NAME from the releasing shell.'),
    volumes: z.array(volume).default([]).describe('Volumes: persistent data (Marathon local persistent volumes, docker named volumes) or host directories.'),
    command: z.string().min(1).optional().describe('The command to run instead of the image\'s (sh -c; Marathon cmd).'),
    args: z.array(z.string()).optional().describe('Arguments to the image\'s entrypoint (Marathon args); not with command.'),
    constraints: z.array(constraint).default([]).describe('Marathon placement constraints, e.g. [hostname, UNIQUE].'),
    labels: z.record(labelKey, z.string()).default({}).describe('Extra labels of the app and its containers.'),
    docker: z
      .object({
        network: z
          .enum(['default', 'host'])
          .default('default')
          .describe("Docker target networking: default publishes the ports on the engine's default network (hostPort -> containerPort); host shares the host's network (SHOVEL_DOCKER_NETWORK overrides)."),
        restart: z.enum(['no', 'on-failure', 'always', 'unless-stopped']).default('unless-stopped').describe('Docker restart policy of the containers.'),
      })
      .strict()
      .default({ network: 'default', restart: 'unless-stopped' })
      .describe('Settings of the docker target (the local engine).'),
    marathon: z
      .object({
        url: patterned(rules.httpUrl, PATTERNS.httpUrl)
          .default('')
          .describe('Marathon base URL; empty or absent releases to the local Docker engine. Credentials come from MARATHON_USER/MARATHON_PASSWORD or MARATHON_TOKEN.'),
        registryCredentialsUri: z
          .string()
          .regex(/^(file|https?):\/\//, 'must be a file://, http:// or https:// URI')
          .optional()
          .describe('URI of a docker config tarball present on every agent, e.g. file:///etc/docker.tar.gz.'),
      })
      .strict()
      .default({ url: '' })
      .describe('The Marathon to release to.'),
    release: z
      .object({
        deadlineSeconds: seconds(10, 7200)
          .default(600)
          .describe("Shovel's own deadline for the whole deployment, its rollback included: the new version gets two thirds of it (--deadline overrides it)."),
        soakSeconds: seconds(0, 600)
          .default(0)
          .describe('Marathon: after every task is ours and healthy, keep checking this long before calling it a success (a flap right after the switch fails the release).'),
        onFirstFailure: z
          .enum(['scale-to-zero', 'remove'])
          .default('scale-to-zero')
          .describe('What a failed first release leaves behind (there is no earlier version to roll back to).'),
      })
      .strict()
      .default({ deadlineSeconds: 600, soakSeconds: 0, onFirstFailure: 'scale-to-zero' })
      .describe('How a release waits and fails.'),
  })
  .strict()
  .meta({ not: { properties: { command: {}, args: {} }, required: ['command', 'args'] } });

type Parsed = z.output<typeof shovelConfigObject>;

/** A health check, normalized: every http check names its port. */
export type Check = { type: 'http'; path: string; port: string } | { type: 'tcp'; port: string } | { type: 'command'; command: string };

export interface PortSpec {
  name: string;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  public: boolean;
  /** The variable Shovel sets to the port the software must bind; absent: it binds containerPort itself. */
  env?: string;
  /** Docker target: the host port of instance 0 (instance i: hostPort + i). */
  hostPort: number;
}

export interface VolumeSpec {
  name: string;
  containerPath: string;
  /** A persistent volume of this many MiB; else a host directory. */
  persistent?: { size: number };
  hostPath?: string;
  mode: 'RW' | 'RO';
}

export type ShovelConfig = Omit<Parsed, 'ports' | 'health' | 'volumes' | 'upgradeStrategy' | 'image'> & {
  image: { repository: string; nodeImage?: string; ref?: string };
  ports: PortSpec[];
  health: Omit<Parsed['health'], 'liveness' | 'readiness'> & { liveness?: Check; readiness?: Check };
  volumes: VolumeSpec[];
  upgradeStrategy: { minimumHealthCapacity: number; maximumOverCapacity: number };
};
export type ShovelConfigInput = z.input<typeof shovelConfigObject>;

/** The host port a docker-target port gets when shovel.yml names none. */
export function defaultHostPort(containerPort: number): number {
  return containerPort >= 1024 ? containerPort : containerPort + 10000;
}

/** `/var/lib/redis` -> `redis`: the name of a volume that has none. */
function volumeNameOf(containerPath: string, index: number): string {
  const last = containerPath.split('/').filter(Boolean).pop() ?? '';
  const name = last.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return name || `volume-${index}`;
}

type Issue = { path: (string | number)[]; message: string };

/**
 * The {http, metrics} form as named ports. Their host ports are the container ports, except
 * that metrics moves past the http ports of every instance (instance i takes hostPort + i)
 * when they would reach it: the usual metrics = http + 1 with two instances.
 */
function contractPortSpecs(ports: { http: number; metrics: number }, instances: number): PortSpec[] {
  const overlap = ports.metrics < ports.http + instances && ports.http < ports.metrics + instances;
  return [
    { name: 'http', containerPort: ports.http, protocol: 'tcp', public: true, env: 'PORT', hostPort: ports.http },
    { name: 'metrics', containerPort: ports.metrics, protocol: 'tcp', public: false, env: 'METRICS_PORT', hostPort: overlap ? ports.http + instances : ports.metrics },
  ];
}

/** Normalizes the parsed file into ShovelConfig, and checks the rules that span keys. */
function normalize(parsed: Parsed, issues: Issue[]): ShovelConfig {
  const contract = !Array.isArray(parsed.ports);
  const portPath = (i: number, key?: string): (string | number)[] =>
    contract ? ['ports', i === 0 ? 'http' : 'metrics'] : ['ports', i, ...(key ? [key] : [])];
  const ports: PortSpec[] = Array.isArray(parsed.ports)
    ? parsed.ports.map((p) => ({ ...p, hostPort: p.hostPort ?? defaultHostPort(p.containerPort) }))
    : contractPortSpecs(parsed.ports, parsed.resources.instances);
  const metrics = parsed.metrics ?? (contract ? { port: 'metrics', path: '/metrics' } : undefined);
  const firstTcp = ports.find((p) => p.protocol === 'tcp')?.name;

  const toCheck = (raw: Parsed['health']['liveness'], key: 'liveness' | 'readiness'): Check | undefined => {
    const fallback = contract ? (key === 'liveness' ? '/health/live' : '/health/ready') : undefined;
    const given = raw ?? fallback;
    if (given === undefined) return undefined;
    const where = ['health', key];
    let out: Check;
    if (typeof given === 'string' || 'http' in given) {
      const path = typeof given === 'string' ? given : given.http;
      const port = (typeof given === 'string' ? undefined : given.port) ?? firstTcp;
      if (!port) {
        issues.push({ path: where, message: 'must name a tcp port: an http check needs one, and ports has none' });
        return undefined;
      }
      out = { type: 'http', path, port };
    } else if ('tcp' in given) out = { type: 'tcp', port: given.tcp };
    else out = { type: 'command', command: given.command };
    if (out.type !== 'command') {
      const port = ports.find((p) => p.name === out.port);
      if (!port) issues.push({ path: [...where, typeof given === 'string' ? [] : out.type === 'http' ? 'port' : 'tcp'].flat(), message: `must name a port of ports (${ports.map((p) => p.name).join(', ') || 'none declared'})` });
      else if (port.protocol !== 'tcp') issues.push({ path: where, message: `must check a tcp port (${port.name} is udp)` });
    }
    return out;
  };
  const liveness = toCheck(parsed.health.liveness, 'liveness');
  const readiness = toCheck(parsed.health.readiness, 'readiness');

  // Ports: unique names and container ports, one public tcp port, env names of their own.
  const seenNames = new Set<string>();
  const seenContainer = new Set<string>();
  const seenEnv = new Set<string>();
  ports.forEach((p, i) => {
    if (seenNames.has(p.name)) issues.push({ path: portPath(i, 'name'), message: `must be unique (${p.name} is declared twice)` });
    seenNames.add(p.name);
    const key = `${p.containerPort}/${p.protocol}`;
    if (seenContainer.has(key)) issues.push({ path: portPath(i, 'containerPort'), message: contract ? 'must differ from ports.http' : `must be unique (${key} is declared twice)` });
    seenContainer.add(key);
    if (p.env) {
      if (seenEnv.has(p.env)) issues.push({ path: portPath(i, 'env'), message: `must be unique (${p.env} is set by another port)` });
      seenEnv.add(p.env);
      if (RESERVED_ENV.includes(p.env as never) && !['PORT', 'METRICS_PORT'].includes(p.env)) {
        issues.push({ path: portPath(i, 'env'), message: `must not be ${p.env}: shovel sets it itself` });
      }
    }
  });
  const publics = ports.filter((p) => p.public);
  if (publics.length > 1) issues.push({ path: ['ports'], message: `must have at most one public port (${publics.map((p) => p.name).join(', ')} are public)` });
  publics.forEach((p) => {
    if (p.protocol !== 'tcp') issues.push({ path: portPath(ports.indexOf(p), 'public'), message: 'must be false for a udp port (marathon-lb serves HTTP over tcp)' });
  });
  // Host ports of the docker target (instance i takes hostPort + i: its preflight checks those).
  ports.forEach((p, i) => {
    const same = ports.slice(0, i).find((q) => q.protocol === p.protocol && q.hostPort === p.hostPort);
    if (same && !contract) issues.push({ path: portPath(i, 'hostPort'), message: `must differ from the host port of ${same.name} (${same.hostPort})` });
  });
  if (metrics) {
    const port = ports.find((p) => p.name === metrics.port);
    if (!port) issues.push({ path: ['metrics', 'port'], message: `must name a port of ports (${ports.map((p) => p.name).join(', ') || 'none declared'})` });
    else if (port.public) issues.push({ path: ['metrics', 'port'], message: `must name a private port (${port.name} is public: metrics would be on the public URL)` });
  }

  // Environment: the port variables, env and secrets each set a variable once.
  for (const name of Object.keys(parsed.env)) {
    if (seenEnv.has(name)) issues.push({ path: ['env', name], message: 'must not be set: a port sets it (ports[].env)' });
  }
  for (const name of Object.keys(parsed.secrets)) {
    if (seenEnv.has(name) || name in parsed.env) issues.push({ path: ['secrets', name], message: 'must not be set by env or ports too' });
  }

  // Volumes: unique names and paths; persistent data is never shared by two copies.
  const volumes: VolumeSpec[] = parsed.volumes.map((v, i) => ({
    name: v.name ?? volumeNameOf(v.containerPath, i),
    containerPath: v.containerPath,
    ...('persistent' in v ? { persistent: v.persistent, mode: 'RW' as const } : { hostPath: v.hostPath, mode: v.mode }),
  }));
  const volumeNames = new Set<string>();
  const volumePaths = new Set<string>();
  volumes.forEach((v, i) => {
    if (volumeNames.has(v.name)) issues.push({ path: ['volumes', i, 'name'], message: `must be unique (${v.name} is used twice; name the volumes)` });
    if (volumePaths.has(v.containerPath)) issues.push({ path: ['volumes', i, 'containerPath'], message: `must be unique (${v.containerPath} is mounted twice)` });
    volumeNames.add(v.name);
    volumePaths.add(v.containerPath);
  });
  const stateful = volumes.some((v) => v.persistent);
  // Marathon refuses a resident app (one with persistent volumes) that may over-provision:
  // AppDefinition.scala (isResident -> UpgradeStrategy.validForResidentTasks, maximumOverCapacity == 0);
  // its default for them is UpgradeStrategy.forResidentTasks (0.5, 0).
  if (stateful && (parsed.upgradeStrategy.maximumOverCapacity ?? 0) !== 0) {
    issues.push({ path: ['upgradeStrategy', 'maximumOverCapacity'], message: 'must be 0 with a persistent volume: two copies must never run on one volume' });
  }
  const upgradeStrategy = stateful
    ? { minimumHealthCapacity: parsed.upgradeStrategy.minimumHealthCapacity ?? 0.5, maximumOverCapacity: 0 }
    : { minimumHealthCapacity: parsed.upgradeStrategy.minimumHealthCapacity ?? 1, maximumOverCapacity: parsed.upgradeStrategy.maximumOverCapacity ?? 1 };

  // The image: built and pushed to a repository, or an upstream one deployed as it is.
  if (parsed.command !== undefined && parsed.args !== undefined) issues.push({ path: ['args'], message: 'must not be set with command (Marathon takes one of cmd and args)' });

  const needed = parsed.shutdown.delayMs + parsed.shutdown.timeoutMs;
  if (parsed.killGracePeriodSeconds * 1000 <= needed) {
    issues.push({ path: ['killGracePeriodSeconds'], message: `must exceed shutdown.delayMs + shutdown.timeoutMs (${needed} ms), or Marathon kills tasks mid-drain` });
  }
  if (parsed.health.timeoutSeconds >= parsed.health.intervalSeconds) {
    issues.push({
      path: ['health', 'timeoutSeconds'],
      message: `must be less than health.intervalSeconds (${parsed.health.intervalSeconds}); Marathon refuses readiness checks otherwise`,
    });
  }

  const { liveness: _l, readiness: _r, ...healthTiming } = parsed.health;
  return {
    ...parsed,
    image: { ...parsed.image, repository: parsed.image.repository ?? '' },
    ports,
    ...(metrics ? { metrics } : {}),
    health: { ...healthTiming, ...(liveness ? { liveness } : {}), ...(readiness ? { readiness } : {}) },
    volumes,
    upgradeStrategy,
  };
}

export const shovelConfigSchema = shovelConfigObject.transform((parsed, ctx): ShovelConfig => {
  const issues: Issue[] = [];
  const config = normalize(parsed, issues);
  for (const issue of issues) ctx.issues.push({ code: 'custom', input: parsed, path: issue.path, message: issue.message });
  return config;
});

/** The Marathon app id: <group>/<id>. */
export function appIdOf(config: ShovelConfig): string {
  const group = config.service.group === '/' ? '' : config.service.group;
  return `${group}/${config.service.id}`;
}

export function portByName(config: ShovelConfig, name: string): PortSpec | undefined {
  return config.ports.find((p) => p.name === name);
}

/** The port behind publicHost, if any. */
export function publicPort(config: ShovelConfig): PortSpec | undefined {
  return config.ports.find((p) => p.public);
}

/** A check as a person reads it: `http /health/live on http`, `tcp redis`, `command redis-cli ping`. */
export function describeCheck(check: Check | undefined): string {
  if (!check) return 'none';
  if (check.type === 'http') return `http ${check.path} on ${check.port}`;
  return check.type === 'tcp' ? `tcp ${check.port}` : `command ${check.command}`;
}

/** Whether the service keeps data in a persistent volume (never two copies on one volume). */
export function isStateful(config: ShovelConfig): boolean {
  return config.volumes.some((v) => v.persistent);
}

/**
 * The variables that tell the software where to listen, one per port with `env`: the
 * container port where the software has a network of its own (Marathon bridge, docker's
 * default network), the host port of `instance` where it shares the host's (docker host network).
 */
export function portEnvOf(config: ShovelConfig, where: 'container' | 'host', instance = 0): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of config.ports) if (p.env) env[p.env] = String(where === 'host' ? p.hostPort + instance : p.containerPort);
  return env;
}
