/**
 * The stand-in's 422 check: the published AppDefinition.json of the version it reports (1.7,
 * 0.15.7 or 0.11.1, read from ../shared, see ./schemas.ts) plus the server-side rules the
 * schema does not express, answered in that version's body shape (invalidBody).
 */
import { loadMarathonSchemas, type SchemaName } from './schemas.js';

export interface Detail {
  path: string;
  errors: string[];
}

const SEGMENT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const MESOS = new Set(['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);

export function validateApp(app: Record<string, unknown>, marathonVersion: string): Detail[] {
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
