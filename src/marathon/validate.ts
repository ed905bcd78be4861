/**
 * Cheap structural checks of an app definition BEFORE it is sent: the rules Marathon's server
 * enforces beyond its published JSON Schema (marathon-schema/README.md: "the schema is looser
 * than the server"), plus Shovel's own invariants (no VHOST on the metrics port). A refusal
 * here costs nothing; a 422 halfway through a release costs a build and a push.
 */
import { UsageError } from '../errors.js';
import { isRecord } from './errors.js';
import { marathonIdSegment, marathonIdSuffix } from '../inputs/rules.js';
import type { MarathonDialect } from './types.js';

const MESOS_PROTOCOLS = new Set(['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);
const ONE_X_ONLY = ['networks', 'readinessChecks', 'taskKillGracePeriodSeconds', 'portDefinitions', 'secrets', 'residency', 'unreachableStrategy'];

/** Problems as "path: message" lines; empty when the definition looks sendable. */
export function appDefinitionProblems(definition: Record<string, unknown>, dialect: MarathonDialect): string[] {
  const problems: string[] = [];
  const add = (path: string, message: string) => problems.push(`${path}: ${message}`);
  const id = definition.id;

  if (typeof id !== 'string' || id === '') {
    add('/id', 'is required');
  } else {
    const segments = id.replace(/^\//, '').split('/');
    const broken = segments.map(marathonIdSegment).find(Boolean) ?? marathonIdSuffix(segments.at(-1) ?? '');
    if (broken) add('/id', `must ${broken}`);
  }

  // A rollback body is {id, version}; anything else beside `version` is refused by 1.x.
  if ('version' in definition) {
    const extra = Object.keys(definition).filter((k) => k !== 'id' && k !== 'version');
    if (extra.length > 0) add('/version', `may only be combined with "id" (found ${extra.join(', ')})`);
    return problems;
  }

  if (!(typeof definition.cpus === 'number' && definition.cpus > 0)) add('/cpus', 'must be a number above 0');
  if (!(typeof definition.mem === 'number' && definition.mem > 0)) add('/mem', 'must be a number above 0');
  if (!(Number.isInteger(definition.instances) && (definition.instances as number) >= 0)) add('/instances', 'must be a whole number >= 0');

  const strategy = definition.upgradeStrategy;
  if (isRecord(strategy)) {
    for (const key of ['minimumHealthCapacity', 'maximumOverCapacity']) {
      const value = strategy[key];
      if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) add(`/upgradeStrategy/${key}`, 'must be between 0 and 1');
    }
  }

  if (dialect !== '1.x') {
    for (const key of ONE_X_ONLY) if (key in definition) add(`/${key}`, `is not known to Marathon ${dialect}`);
  }
  const container = isRecord(definition.container) ? definition.container : {};
  const docker = isRecord(container.docker) ? container.docker : {};
  if (dialect === '1.x' && 'networks' in definition && 'network' in docker) {
    add('/container/docker/network', 'cannot be combined with /networks');
  }
  if (dialect !== '1.x' && 'portMappings' in container) add('/container/portMappings', `is not known to Marathon ${dialect}: use container.docker.portMappings`);

  const mappings = (Array.isArray(container.portMappings) ? container.portMappings : Array.isArray(docker.portMappings) ? docker.portMappings : []).filter(isRecord);
  const portNames = mappings.map((m) => (typeof m.name === 'string' ? m.name : undefined));

  const checks = (Array.isArray(definition.healthChecks) ? definition.healthChecks : []).filter(isRecord);
  const protocols = checks.map((c) => String(c.protocol ?? 'HTTP'));
  if (protocols.some((p) => MESOS_PROTOCOLS.has(p)) && protocols.some((p) => !MESOS_PROTOCOLS.has(p) && p !== 'COMMAND')) {
    add('/healthChecks', 'cannot mix MESOS_* checks with Marathon-run HTTP/HTTPS/TCP checks');
  }
  // AppValidation.scala, haveAtMostOneMesosHealthCheck: Mesos runs one check per task.
  if (protocols.filter((p) => MESOS_PROTOCOLS.has(p) || p === 'COMMAND').length > 1) add('/healthChecks', 'can hold at most one Mesos-run check (COMMAND or MESOS_*)');
  if ('cmd' in definition && 'args' in definition) add('/args', 'cannot be combined with cmd');
  checks.forEach((check, i) => {
    if (dialect !== '1.x' && MESOS_PROTOCOLS.has(String(check.protocol))) add(`/healthChecks/${i}/protocol`, `${String(check.protocol)} needs Marathon 1.4+`);
    if (typeof check.portIndex === 'number' && check.portIndex >= mappings.length) {
      add(`/healthChecks/${i}/portIndex`, `is ${check.portIndex} but the app has ${mappings.length} port mapping(s)`);
    }
  });

  const readiness = (Array.isArray(definition.readinessChecks) ? definition.readinessChecks : []).filter(isRecord);
  if (readiness.length > 1) add('/readinessChecks', 'Marathon supports one readiness check per app');
  readiness.forEach((check, i) => {
    if (!portNames.includes(check.portName as string)) add(`/readinessChecks/${i}/portName`, `must name a port mapping (have: ${portNames.filter(Boolean).join(', ') || 'none'})`);
    if (typeof check.timeoutSeconds === 'number' && typeof check.intervalSeconds === 'number' && check.timeoutSeconds >= check.intervalSeconds) {
      add(`/readinessChecks/${i}/timeoutSeconds`, 'must be smaller than intervalSeconds');
    }
  });

  const labels = isRecord(definition.labels) ? definition.labels : {};
  const vhosts = Object.keys(labels).filter((key) => /^HAPROXY_\d+_VHOST$/.test(key));
  if (vhosts.length > 1) add('/labels', `only the one public port may get a VHOST (found ${vhosts.join(', ')})`);
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string') add(`/labels/${key}`, 'must be a string');
    const vhost = /^HAPROXY_(\d+)_VHOST$/.exec(key);
    const mapping = vhost ? mappings[Number(vhost[1])] : undefined;
    // marathon-lb serves HTTP over tcp; a metrics port must never be published.
    if (vhost && (!mapping || (mapping.protocol ?? 'tcp') !== 'tcp' || mapping.name === 'metrics')) {
      add(`/labels/${key}`, 'must name a tcp port mapping other than metrics (the one public port)');
    }
  }
  const secrets = isRecord(definition.secrets) ? definition.secrets : {};
  const env = isRecord(definition.env) ? definition.env : {};
  for (const [key, value] of Object.entries(env)) {
    // 1.x: a variable may be a secret reference ({"secret": name}, SecretValidation.scala).
    const ref = isRecord(value) && dialect === '1.x' ? value.secret : undefined;
    if (ref !== undefined) {
      if (typeof ref !== 'string' || !(ref in secrets)) add(`/env/${key}`, 'must name a declared secret');
    } else if (typeof value !== 'string') add(`/env/${key}`, 'must be a string');
  }
  residentProblems(definition, container, strategy, add);
  return problems;
}

/**
 * What Marathon refuses of an app with a local persistent volume beyond the schema
 * (mesosphere/marathon at v1.7.236: api/v2/validation/AppValidation.scala validPersistentVolume
 * and requireUnreachableDisabledForResidentTasks, SchedulingValidation.scala
 * validForResidentTasks), plus Shovel's own rule: minimumHealthCapacity 0.5 or less
 * (docs/docs/persistent-volumes.md), so an old task is stopped before its replacement takes
 * the volume.
 */
function residentProblems(definition: Record<string, unknown>, container: Record<string, unknown>, strategy: unknown, add: (path: string, message: string) => void): void {
  const volumes = (Array.isArray(container.volumes) ? container.volumes : []).filter(isRecord);
  let resident = false;
  volumes.forEach((v, i) => {
    if (!isRecord(v.persistent)) return;
    resident = true;
    const path = String(v.containerPath ?? '');
    if (path === '' || path === '.' || path === '..' || path.includes('/')) add(`/container/volumes/${i}/containerPath`, 'of a persistent volume must be one relative path segment (no "/")');
    if ((v.mode ?? 'RW') !== 'RW') add(`/container/volumes/${i}/mode`, 'of a persistent volume must be RW');
    if (!(typeof v.persistent.size === 'number' && v.persistent.size > 0)) add(`/container/volumes/${i}/persistent/size`, 'must be a number of MiB above 0');
  });
  if (!resident) return;
  const s = isRecord(strategy) ? strategy : {};
  if (s.maximumOverCapacity !== 0) add('/upgradeStrategy/maximumOverCapacity', 'must be 0 with a persistent volume (never two copies on one volume)');
  if (!(typeof s.minimumHealthCapacity === 'number' && s.minimumHealthCapacity <= 0.5)) add('/upgradeStrategy/minimumHealthCapacity', 'must be 0.5 or less with a persistent volume');
  if (definition.unreachableStrategy !== 'disabled') add('/unreachableStrategy', 'must be "disabled" with a persistent volume');
}

export function validateAppDefinition(definition: Record<string, unknown>, dialect: MarathonDialect): void {
  const problems = appDefinitionProblems(definition, dialect);
  if (problems.length > 0) {
    throw new UsageError('SHOVEL_ERR_MARATHON_DEFINITION', `The Marathon app definition of ${String(definition.id)} would be refused (${dialect}).`, {
      details: problems,
    });
  }
}

/** A definition's persistent volumes as Marathon compares them (mount path and size). */
function persistentVolumes(definition: Record<string, unknown>): string[] {
  const container = isRecord(definition.container) ? definition.container : {};
  return (Array.isArray(container.volumes) ? container.volumes : [])
    .filter(isRecord)
    .filter((v) => isRecord(v.persistent))
    .map((v) => `${String(v.containerPath)} (${String((v.persistent as Record<string, unknown>).size)} MiB)`)
    .sort();
}

/**
 * What Marathon refuses when an app that is, or becomes, resident is updated
 * (mesosphere/marathon state/AppDefinition.scala at v1.7.236, residentUpdateIsValid): its
 * persistent volumes cannot change (adding the first one to a running app included), nor its
 * cpus, mem or disk. `current` is the app as Marathon returns it. Empty when the update is fine.
 */
export function residentUpdateProblems(current: Record<string, unknown> | undefined, next: Record<string, unknown>): string[] {
  if (!current) return [];
  const before = persistentVolumes(current);
  const after = persistentVolumes(next);
  if (before.length === 0 && after.length === 0) return [];
  const problems: string[] = [];
  if (before.join() !== after.join()) problems.push(`persistent volumes: ${before.join(', ') || 'none'} -> ${after.join(', ') || 'none'} (they can never change)`);
  for (const [key, fallback] of [['cpus', 1], ['mem', 128], ['disk', 0]] as const) {
    const was = typeof current[key] === 'number' ? current[key] : fallback;
    const will = typeof next[key] === 'number' ? next[key] : fallback;
    if (was !== will) problems.push(`${key}: ${String(was)} -> ${String(will)} (resources of an app with persistent volumes cannot change)`);
  }
  return problems;
}

/** Throws before anything is sent when Marathon would refuse the update of a resident app. */
export function assertResidentUpdate(appId: string, current: Record<string, unknown> | undefined, next: Record<string, unknown>): void {
  const problems = residentUpdateProblems(current, next);
  if (problems.length === 0) return;
  throw new UsageError('SHOVEL_ERR_MARATHON_STATEFUL', `${appId} keeps data on local persistent volumes, and Marathon refuses to change its volumes or resources.`, {
    details: problems,
    hint: 'Keep resources and volumes as they are deployed, or release it as a new service (another service.id) and move the data.',
  });
}
