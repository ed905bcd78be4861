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

const port = ranged('port');
const path = z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be an absolute URL path such as /health/live');
const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

/** A release version, as shovel.yml and --version give it; the image tag starts with it. */
export const versionSchema = z
  .string({ error: 'must be a quoted string such as "1.2.0" (YAML reads 1.2 as a number)' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/, 'must be a version such as 1.2.0 or 2024.05.1-rc.1 (letters, digits, . _ + -; at most 100 characters)');

/** Environment variable names shovel sets itself (the port contract, HOST, shutdown); read when parsing. */
function reservedEnv(): readonly string[] {
  return RESERVED_ENV;
}

export const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an UPPER_SNAKE_CASE variable name')
  .refine((name) => !reservedEnv().includes(name), {
    error: (issue) => `must not be set: shovel sets ${String(issue.input)} itself (from ports, the listen address or shutdown)`,
  });

/** The service's extra environment; the JSON Schema output adds the reserved names (write-json-schema.ts). */
export const envSchema = z
  .record(envName, z.string())
  .default({})
  .describe('Extra environment variables of the service: UPPER_SNAKE_CASE names, string values; not the names shovel sets itself');

export const shovelConfigSchema = z
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
        repository: patterned(rules.imageRepository, PATTERNS.imageRepository).describe(
          'Image repository without a tag, e.g. registry.example.com:5000/payments/orders; each build is tagged <version>-<git sha>.',
        ),
        nodeImage: patterned(rules.baseImage, PATTERNS.baseImage)
          .optional()
          .describe('Passed to `docker build` as the NODE_IMAGE build argument; a tag or digest, never latest (SHOVEL_NODE_IMAGE overrides it).'),
      })
      .strict()
      .describe('Where the image is pushed.'),
    resources: z
      .object({
        cpus: ranged('cpus').describe('CPU shares per instance (Marathon cpus).'),
        memory: ranged('memory').describe('Memory limit per instance in MiB (Marathon mem).'),
        instances: ranged('instances').describe('Number of instances to run.'),
      })
      .strict()
      .describe('What each instance gets, and how many run.'),
    ports: z
      .object({
        http: port.describe('The HTTP port the service listens on inside its container ($PORT), behind the public URL.'),
        metrics: port.describe('The private metrics port ($METRICS_PORT), never given a public URL; must differ from ports.http.'),
      })
      .strict()
      .describe('The ports the service binds inside its container.'),
    publicHost: patterned(rules.hostName, PATTERNS.hostName)
      .optional()
      .describe('Host name of the public URL (marathon-lb VHOST), e.g. orders.example.com; omit for an internal service.'),
    health: z
      .object({
        liveness: path.default('/health/live').describe('HTTP path that answers 200 while the process is alive (Marathon health check).'),
        readiness: path.default('/health/ready').describe('HTTP path that answers 200 when the service can take traffic (Marathon readiness check).'),
        gracePeriodSeconds: seconds(0, 3600).default(30).describe('Seconds after start during which failed health checks do not count.'),
        intervalSeconds: seconds(1, 3600).default(10).describe('Seconds between health checks.'),
        timeoutSeconds: seconds(1, 3600).default(5).describe('Seconds a health check may take; must be less than intervalSeconds.'),
        maxConsecutiveFailures: z.number().int().min(0).max(100).default(3).describe('Failed checks in a row after which the task is killed (0: never).'),
      })
      .strict()
      .describe('How Marathon and the docker target decide an instance is healthy.'),
    shutdown: z
      .object({
        delayMs: z.number().int().min(0).max(600000).default(5000).describe('SHUTDOWN_DELAY_MS: readiness answers 503 this long before the server stops accepting.'),
        timeoutMs: z.number().int().min(0).max(600000).default(10000).describe('SHUTDOWN_TIMEOUT_MS: in-flight requests get this long to finish.'),
      })
      .strict()
      .default({ delayMs: 5000, timeoutMs: 10000 })
      .describe('Graceful shutdown of the service, passed to it as environment variables.'),
    killGracePeriodSeconds: seconds(1, 3600).default(20).describe('SIGTERM to SIGKILL delay; must exceed shutdown.delayMs + shutdown.timeoutMs.'),
    upgradeStrategy: z
      .object({
        minimumHealthCapacity: z.number().min(0).max(1).default(1).describe('Share of instances that must stay healthy during a deployment (0 to 1).'),
        maximumOverCapacity: z.number().min(0).max(1).default(1).describe('Share of extra instances a deployment may start (0 to 1).'),
      })
      .strict()
      .default({ minimumHealthCapacity: 1, maximumOverCapacity: 1 })
      .describe('Marathon upgradeStrategy.'),
    env: envSchema,
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
  .superRefine((config, ctx) => {
    const needed = config.shutdown.delayMs + config.shutdown.timeoutMs;
    if (config.killGracePeriodSeconds * 1000 <= needed) {
      ctx.addIssue({
        code: 'custom',
        path: ['killGracePeriodSeconds'],
        message: `must exceed shutdown.delayMs + shutdown.timeoutMs (${needed} ms), or Marathon kills tasks mid-drain`,
      });
    }
    if (config.health.timeoutSeconds >= config.health.intervalSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['health', 'timeoutSeconds'],
        message: `must be less than health.intervalSeconds (${config.health.intervalSeconds}); Marathon refuses readiness checks otherwise`,
      });
    }
    if (config.ports.http === config.ports.metrics) {
      ctx.addIssue({ code: 'custom', path: ['ports', 'metrics'], message: 'must differ from ports.http' });
    }
  });

export type ShovelConfig = z.output<typeof shovelConfigSchema>;
export type ShovelConfigInput = z.input<typeof shovelConfigSchema>;

/** The Marathon app id: <group>/<id>. */
export function appIdOf(config: ShovelConfig): string {
  const group = config.service.group === '/' ? '' : config.service.group;
  return `${group}/${config.service.id}`;
}
