/**
 * The stand-in's 422 check: Marathon 1.7's published AppDefinition.json (read from
 * ../shared, see ./schemas.ts) plus the server-side rules the schema does not express,
 * answered in the 1.x body shape {message, details:[{path, errors}]}.
 */
import { loadMarathonSchemas } from './schemas.js';

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
    const result = schemas.validate('1.7', app);
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
