/**
 * The stand-in's 422 check: the published AppDefinition.json of the version it reports (1.7,
 * 0.15.7 or 0.11.1, read from ../shared, see ./schemas.ts) plus the server-side rules the
 * schema does not express, answered in that version's body shape (invalidBody).
 */
import { loadMarathonSchemas, type SchemaName } from './schemas.js';
import { isResident, persistentVolumesOf } from './volumes.js';

export interface Detail {
  path: string;
  errors: string[];
}

const SEGMENT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const MESOS = new Set(['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);

export interface ValidationContext {
  /** The app's current definition, for the rules of an update (undefined: a new app). */
  previous?: Record<string, unknown> | undefined;
  /** Marathon's --enable_features. */
  features?: string[];
}

export function validateApp(app: Record<string, unknown>, marathonVersion: string, context: ValidationContext = {}): Detail[] {
  const details: Detail[] = [];
  const add = (path: string, error: string) => {
    const found = details.find((d) => d.path === path);
    if (found) found.errors.push(error);
    else details.push({ path, errors: [error] });
  };
  const schemas = loadMarathonSchemas();
  if (schemas) {
    const result = schemas.validate(schemaOf(marathonVersion), app);
    for (const e of result.errors) add(e.instancePath || '/', e.message ?? 'is invalid');
  }
  const id = String(app.id ?? '');
  const segments = id.replace(/^\//, '').split('/');
  if (!segments.every((s) => SEGMENT.test(s))) add('/id', `'${id}' is not a valid path`);
  const [major = 0, minor = 0] = marathonVersion.split('.').map(Number);
  if (major > 1 || (major === 1 && minor >= 8)) {
    const last = segments.at(-1) ?? '';
    if (['restart', 'tasks', 'versions'].some((w) => last.endsWith(w))) add('/id', 'must not end with restart, tasks or versions');
  }
  const strategy = app.upgradeStrategy as Record<string, unknown> | undefined;
  if (strategy && typeof strategy.minimumHealthCapacity === 'number' && strategy.minimumHealthCapacity > 1) {
    if (!details.some((d) => d.path === '/upgradeStrategy/minimumHealthCapacity')) add('/upgradeStrategy/minimumHealthCapacity', 'is greater than 1');
  }
  const checks = Array.isArray(app.healthChecks) ? (app.healthChecks as Array<Record<string, unknown>>) : [];
  const protocols = checks.map((c) => String(c.protocol ?? 'HTTP'));
  if (protocols.some((p) => MESOS.has(p)) && protocols.some((p) => !MESOS.has(p) && p !== 'COMMAND')) {
    add('/healthChecks', 'Mesos and Marathon health checks cannot be mixed');
  }
  const container = (app.container ?? {}) as Record<string, unknown>;
  const mappings = Array.isArray(container.portMappings) ? (container.portMappings as Array<Record<string, unknown>>) : [];
  const portDefinitions = Array.isArray(app.portDefinitions) ? (app.portDefinitions as Array<Record<string, unknown>>) : [];
  const names = [...mappings, ...portDefinitions].map((m) => m.name);
  const readiness = Array.isArray(app.readinessChecks) ? (app.readinessChecks as Array<Record<string, unknown>>) : [];
  if (readiness.length > 1) add('/readinessChecks', 'only one readiness check is supported');
  readiness.forEach((r, i) => {
    if (!names.includes(r.portName)) add(`/readinessChecks(${i})/portName`, 'must be a name of a port definition or port mapping');
  });
  const networks = Array.isArray(app.networks) ? (app.networks as Array<Record<string, unknown>>) : [];
  if (networks.length > 0 && (container.docker as Record<string, unknown> | undefined)?.network !== undefined) {
    add('/container/docker/network', 'must be empty when networks are set');
  }
  // api/v2/validation/AppValidation.scala, haveAtMostOneMesosHealthCheck: COMMAND and MESOS_*
  // checks are run by Mesos, which takes one per task.
  if (protocols.filter((p) => p === 'COMMAND' || MESOS.has(p)).length > 1) add('/', 'AppDefinition can contain at most one Mesos health check');
  residentRules(app, context.previous, add);
  secretRules(app, context.features ?? [], add);
  return details;
}

/** The schema of a Marathon version: 1.x -> 1.7, 0.14-0.x -> 0.15.7, older -> 0.11.1. */
export function schemaOf(marathonVersion: string): SchemaName {
  const [major = 0, minor = 0] = marathonVersion.split('.').map(Number);
  if (major >= 1) return '1.7';
  return minor >= 14 ? '0.15.7' : '0.11.1';
}

/**
 * The 422 body of a Marathon version:
 * - 1.x: {message: "Object is not valid", details: [{path, errors}]}
 *   (mesosphere/marathon src/main/scala/mesosphere/marathon/api/v2/Validation.scala at v1.7.236,
 *   failureWrites: violations grouped by path);
 * - 0.15: {message: "Object is not valid", details: [{attribute, error}]}
 *   (api/v2/Validation.scala at v0.15.7, failureWrites and ruleViolationWrites);
 * - 0.11: {message, errors: [{attribute, error}]}
 *   (api/MarathonExceptionMapper.scala at v0.11.1, ConstraintViolationException).
 */
export function invalidBody(details: Detail[], marathonVersion: string): Record<string, unknown> {
  const schema = schemaOf(marathonVersion);
  if (schema === '1.7') return { message: 'Object is not valid', details };
  const flat = details.flatMap((d) => d.errors.map((error) => ({ attribute: d.path.replace(/^\//, '').replace(/\//g, '.') || '/', error })));
  if (schema === '0.15.7') return { message: 'Object is not valid', details: flat };
  return { message: `validation failed: ${flat.map((f) => `${f.attribute} ${f.error}`).join(', ')}`, errors: flat };
}

type Add = (path: string, error: string) => void;

/**
 * Apps with local persistent volumes (1.x), mesosphere/marathon at v1.7.236:
 * - api/v2/validation/AppValidation.scala, validVolume (validPersistentVolume): a persistent
 *   volume's containerPath is one relative path segment (not ".", "..", no "/"), its mode RW, its
 *   size > 0;
 * - api/v2/AppNormalization.scala: such an app gets `residency` (and unreachableStrategy
 *   "disabled") when it has none; then requireUnreachableDisabledForResidentTasks and
 *   api/v2/validation/SchedulingValidation.scala (validForResidentTasks: maximumOverCapacity
 *   == 0, minimumHealthCapacity between 0 and 1) apply;
 * - state/AppDefinition.scala, residentUpdateIsValid (an update of an app that is or was
 *   resident): its persistent volumes, cpus, mem and disk cannot change.
 */
function residentRules(app: Record<string, unknown>, previous: Record<string, unknown> | undefined, add: Add): void {
  const container = (app.container ?? {}) as Record<string, unknown>;
  const volumes = Array.isArray(container.volumes) ? (container.volumes as Array<Record<string, unknown>>) : [];
  volumes.forEach((v, i) => {
    if (!v.persistent || typeof v.persistent !== 'object') return;
    const containerPath = String(v.containerPath ?? '');
    if (containerPath === '' || containerPath === '.' || containerPath === '..') add(`/container/volumes(${i})/containerPath`, 'must not be empty, "." or ".."');
    if (containerPath.includes('/')) add(`/container/volumes(${i})/containerPath`, 'value must not contain "/"');
    if ((v.mode ?? 'RW') !== 'RW') add(`/container/volumes(${i})/mode`, 'must be RW');
    const size = Number((v.persistent as Record<string, unknown>).size ?? 0);
    if (!(size > 0)) add(`/container/volumes(${i})/persistent/size`, 'must be greater than 0');
  });
  const resident = isResident(app) || app.residency !== undefined;
  if (resident) {
    const strategy = (app.upgradeStrategy ?? {}) as Record<string, unknown>;
    if (strategy.maximumOverCapacity !== undefined && strategy.maximumOverCapacity !== 0) add('/upgradeStrategy/maximumOverCapacity', 'must be 0 for resident tasks');
    if (app.unreachableStrategy !== undefined && app.unreachableStrategy !== 'disabled') add('/unreachableStrategy', 'unreachableStrategy must be disabled for resident tasks');
  }
  if (previous && (resident || isResident(previous) || previous.residency !== undefined)) {
    const same = JSON.stringify(persistentVolumesOf(previous)) === JSON.stringify(persistentVolumesOf(app));
    if (!same) add('/', 'Persistent volumes can not be changed!');
    for (const key of ['cpus', 'mem', 'disk'] as const) {
      if ((previous[key] ?? null) !== (app[key] ?? null)) {
        add(`/${key}`, 'Services with persistent volumes configured may not change resource requirements. If you need to make this change, please create a new service.');
      }
    }
  }
}

/**
 * api/v2/validation/AppValidation.scala (validBasicAppDefinition: `secrets` needs the secrets
 * feature), EnvVarValidation.scala (secret references in env need it too) and
 * SecretValidation.scala (an env secret reference names a declared secret).
 */
function secretRules(app: Record<string, unknown>, features: string[], add: Add): void {
  const secrets = (app.secrets ?? {}) as Record<string, unknown>;
  const env = (app.env ?? {}) as Record<string, unknown>;
  const enabled = features.includes('secrets');
  if (Object.keys(secrets).length > 0 && !enabled) add('/secrets', 'Feature secrets is not enabled. Enable with --enable_features secrets)');
  for (const [name, value] of Object.entries(env)) {
    if (!value || typeof value !== 'object') continue;
    const ref = (value as Record<string, unknown>).secret;
    if (!enabled) add(`/env/${name}`, 'use of secret-references in the environment requires the secrets feature to be enabled');
    else if (typeof ref !== 'string' || !(ref in secrets)) add(`/env/${name}`, 'references an undefined secret');
  }
}
