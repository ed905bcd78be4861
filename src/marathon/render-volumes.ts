/**
 * shovel.yml `volumes` -> Marathon container volumes, and what a resident app (one with a local
 * persistent volume) needs besides. Sources, mesosphere/marathon at v1.7.236:
 * - docs/docs/persistent-volumes.md: a persistent volume's containerPath "must be a single-level
 *   path relative to the container" (it is mounted in the Mesos sandbox), mode RW, size in MiB;
 *   software that needs its data at an absolute path (the MySQL example) gets a host volume
 *   whose RELATIVE hostPath names the persistent volume, mounted at that path;
 * - api/v2/validation/AppValidation.scala (validVolume, validPersistentVolume): no "/" in the
 *   containerPath, mode RW, size > 0;
 * - api/v2/validation/SchedulingValidation.scala (validForResidentTasks): maximumOverCapacity
 *   must be 0; persistent-volumes.md: the definition "must stay below" {0.5, 0}, so Marathon can
 *   kill an old task before its replacement takes over the reservation and the volume;
 * - api/v2/validation/AppValidation.scala (requireUnreachableDisabledForResidentTasks):
 *   unreachableStrategy "disabled" (an unreachable instance is never replaced elsewhere, which
 *   would start a second copy with an empty volume);
 * - api/v2/AppNormalization.scala: `residency` (relaunchEscalationTimeoutSeconds,
 *   taskLostBehavior) is what marks an app resident; sent explicitly with its defaults
 *   (raml/Apps.scala DefaultAppResidency; docs/docs/rest-api/public/api/v2/types/app.raml).
 *   Marathon 1.9+ accepts and ignores it.
 */
import { UsageError } from '../errors.js';
import { isStateful, type ShovelConfig } from '../config/schema.js';
import type { MarathonDialect } from './types.js';

/** Persistent volumes exist from Marathon 1.0; here they need the 1.x dialect (1.5+). */
export function assertVolumesExpressible(config: ShovelConfig, dialect: MarathonDialect): void {
  if (!isStateful(config) || dialect === '1.x') return;
  // The 0.15 dialect speaks for 0.14 to 1.4 at once: 0.x has no persistent volumes and no
  // SIGTERM grace period, 1.0-1.3 no unreachableStrategy, so no one definition keeps the data
  // safe on all of them.
  throw new UsageError('SHOVEL_ERR_MARATHON_DIALECT', `Persistent volumes need Marathon 1.5 or later (the 1.x dialect); the ${dialect} dialect cannot express them safely.`, {
    hint: 'Release to Marathon 1.5+, or remove the persistent volume (a hostPath volume works on every version).',
  });
}

/** container.volumes, in the order of shovel.yml (each persistent one as two entries, see above). */
export function containerVolumesOf(config: ShovelConfig): Record<string, unknown>[] {
  return config.volumes.flatMap((v): Record<string, unknown>[] => {
    if (v.persistent) {
      return [
        { containerPath: v.name, mode: 'RW', persistent: { size: v.persistent.size } },
        { containerPath: v.containerPath, hostPath: v.name, mode: 'RW' },
      ];
    }
    return [{ containerPath: v.containerPath, hostPath: v.hostPath, mode: v.mode }];
  });
}

/** The resident-app fields of a stateful service (1.x), or nothing. */
export function residencyOf(config: ShovelConfig): Record<string, unknown> {
  if (!isStateful(config)) return {};
  const { minimumHealthCapacity, maximumOverCapacity } = config.upgradeStrategy;
  if (maximumOverCapacity !== 0 || minimumHealthCapacity > 0.5) {
    throw new UsageError(
      'SHOVEL_ERR_MARATHON_STATEFUL',
      `A service with a persistent volume needs upgradeStrategy.maximumOverCapacity 0 and minimumHealthCapacity 0.5 or less (have ${maximumOverCapacity} and ${minimumHealthCapacity}).`,
      { hint: 'Marathon must stop an old task before its replacement takes over the volume: leave upgradeStrategy out, or set {minimumHealthCapacity: 0.5, maximumOverCapacity: 0}.' },
    );
  }
  return {
    residency: { relaunchEscalationTimeoutSeconds: 3600, taskLostBehavior: 'WAIT_FOREVER' },
    unreachableStrategy: 'disabled',
  };
}
