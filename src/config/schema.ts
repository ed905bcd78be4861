/**
 * The schema of shovel.yml, the release config of a generated service. One zod schema gives
 * the parser, the TypeScript type, and the JSON Schema editors use (schema/shovel.schema.json,
 * written by `npm run build`).
 */
import { z } from 'zod';
import * as rules from '../inputs/rules.js';

function rule(check: rules.Rule<string>) {
  return (value: string, ctx: z.RefinementCtx) => {
    const broken = check(value);
    if (broken) ctx.addIssue({ code: 'custom', message: `must ${broken}` });
  };
}

/** A number in one of the shared ranges (src/inputs/rules.ts), with the same rule text. */
function ranged(name: rules.RangeName) {
  const r = rules.RANGES[name];
  const message = `must ${rules.rangeRule(name)}`;
  const base = r.integer ? z.number().int({ message }) : z.number();
  return base.min(r.min, { message }).max(r.max, { message });
}

const port = ranged('port');
const path = z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be an absolute URL path such as /health/live');

export const shovelConfigSchema = z
  .object({
    $schema: z.string().optional(),
    service: z
      .object({
        /** Marathon app id segment; also the image name and npm name. */
        id: z.string().superRefine(rule(rules.serviceName)),
        /** Marathon group, e.g. /payments; the app id is <group>/<id>. */
        group: z.string().default('/').superRefine(rule(rules.marathonGroup)),
        description: z.string().optional(),
        team: z.string().optional(),
      })
      .strict(),
    image: z
      .object({
        /** Repository without tag; Shovel tags each build <version>-<git sha>. */
        repository: z.string().superRefine(rule(rules.imageRepository)),
        /** Passed to `docker build` as the NODE_IMAGE build arg. */
        nodeImage: z.string().superRefine(rule(rules.baseImage)).optional(),
      })
      .strict(),
    resources: z
      .object({
        cpus: ranged('cpus'),
        memory: ranged('memory'),
        instances: ranged('instances'),
      })
      .strict(),
    ports: z
      .object({
        /** Public HTTP port (behind the public URL). */
        http: port,
        /** Private metrics port (never given a VHOST). */
        metrics: port,
      })
      .strict(),
    /** Host name of the public URL (marathon-lb VHOST); omit for an internal service. */
    publicHost: z.string().superRefine(rule(rules.hostName)).optional(),
    health: z
      .object({
        liveness: path.default('/health/live'),
        readiness: path.default('/health/ready'),
        gracePeriodSeconds: z.number().int().min(0).max(3600).default(30),
        intervalSeconds: z.number().int().min(1).max(3600).default(10),
        timeoutSeconds: z.number().int().min(1).max(3600).default(5),
        maxConsecutiveFailures: z.number().int().min(0).max(100).default(3),
      })
      .strict(),
    shutdown: z
      .object({
        /** SHUTDOWN_DELAY_MS: readiness is 503 this long before the server stops accepting. */
        delayMs: z.number().int().min(0).max(600000).default(5000),
        /** SHUTDOWN_TIMEOUT_MS: in-flight requests get this long to finish. */
        timeoutMs: z.number().int().min(0).max(600000).default(10000),
      })
      .strict()
      .default({ delayMs: 5000, timeoutMs: 10000 }),
    /** SIGTERM -> SIGKILL delay; must exceed shutdown delay + timeout. */
    killGracePeriodSeconds: z.number().int().min(1).max(3600).default(20),
    upgradeStrategy: z
      .object({
        minimumHealthCapacity: z.number().min(0).max(1).default(1),
        maximumOverCapacity: z.number().min(0).max(1).default(1),
      })
      .strict()
      .default({ minimumHealthCapacity: 1, maximumOverCapacity: 1 }),
    /** Extra environment variables of the service (values are strings). */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an UPPER_SNAKE_CASE variable name'), z.string()).default({}),
    marathon: z
      .object({
        /** Marathon base URL; empty or absent releases to the local Docker engine. */
        url: z.string().superRefine(rule(rules.httpUrl)).default(''),
        /** URI of a docker config tarball present on every agent, e.g. file:///etc/docker.tar.gz. */
        registryCredentialsUri: z.string().regex(/^(file|https?):\/\//, 'must be a file://, http:// or https:// URI').optional(),
      })
      .strict()
      .default({ url: '' }),
    release: z
      .object({
        /** Shovel's own deadline for a deployment to become healthy. */
        deadlineSeconds: z.number().int().min(10).max(7200).default(600),
        /** What a failed FIRST release leaves behind (there is no earlier version to roll back to). */
        onFirstFailure: z.enum(['scale-to-zero', 'remove']).default('scale-to-zero'),
      })
      .strict()
      .default({ deadlineSeconds: 600, onFirstFailure: 'scale-to-zero' }),
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
