/**
 * What the rendered app definition leaves to Marathon's defaults or loses in its dialect, as
 * lines a dry run and `shovel render` can show next to the definition. Derived from the same
 * config and dialect the renderer reads, so the notes and the JSON agree.
 */
import { describeCheck, isStateful, type ShovelConfig } from '../config/schema.js';
import type { MarathonDialect } from './types.js';

export function renderNotes(config: ShovelConfig, dialect: MarathonDialect): string[] {
  const notes: string[] = [];
  const { liveness, readiness } = config.health;
  const gate = liveness
    ? `the rollout waits for the liveness check (${describeCheck(liveness)}) instead`
    : 'and there is no liveness check either: a new task counts as ready as soon as it runs';
  if (readiness && dialect !== '1.x') {
    notes.push(`readiness (${describeCheck(readiness)}): Marathon ${dialect} has no readiness checks; ${gate}.`);
  } else if (readiness && readiness.type !== 'http') {
    notes.push(`readiness (${describeCheck(readiness)}): Marathon's readiness checks are HTTP only; ${gate}.`);
  } else if (!readiness && !liveness) {
    notes.push('no liveness or readiness check: Marathon counts a task healthy and ready as soon as it runs.');
  }
  if (dialect !== '1.x') {
    notes.push(`killGracePeriodSeconds (${config.killGracePeriodSeconds}): Marathon ${dialect} has no taskKillGracePeriodSeconds; the Mesos executor's default SIGTERM grace applies.`);
  }
  if (isStateful(config)) {
    const volumes = config.volumes.filter((v) => v.persistent).map((v) => `${v.containerPath} (${v.persistent!.size} MiB)`);
    notes.push(
      `persistent volumes ${volumes.join(', ')}: each instance is pinned to the agent that holds its volume; a release stops an old task before its replacement starts on the same volume (with ${config.resources.instances} instance(s): ${config.resources.instances === 1 ? 'a short outage' : 'fewer instances for a while'}).`,
    );
    notes.push('Marathon refuses to change cpus, memory or the persistent volumes of this app once deployed (a new service is needed for that).');
  }
  if (Object.keys(config.secrets).length > 0) {
    notes.push(`secrets ${Object.keys(config.secrets).join(', ')}: Marathon needs a secret store (--enable_features secrets); without one it answers 422.`);
  }
  for (const c of config.constraints) {
    if (c[1] === 'IS') notes.push(`constraint [${c.join(', ')}] is sent as LIKE with the value quoted (the same match on text attributes; IS needs Marathon 1.6+).`);
  }
  return notes;
}
