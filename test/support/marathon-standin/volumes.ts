/**
 * Local persistent volumes and the reservations that hold them, as Marathon 1.x keeps them for
 * a resident app (docs/docs/persistent-volumes.md, "Under the Hood"):
 * - an app is resident when its container declares a persistent volume
 *   (src/main/scala/mesosphere/marathon/state/AppDefinition.scala, persistentVolumes /
 *   isResident);
 * - each instance reserves its resources and creates its volumes on the agent where it first
 *   launches; the reservation outlives the task: a relaunched task (after a crash, a kill, an
 *   upgrade or a rollback) is launched on that reservation, on that agent, with the same
 *   volumes (core/launcher/impl/InstanceOpFactoryImpl.scala, inferForResidents and
 *   launchOnReservation, matching by mesos/PersistentVolumeMatcher.scala);
 * - scaling down keeps the reservation and the data ("detached"); deleting the app destroys the
 *   reservations.
 *
 * The data of a volume is a directory on this machine (the one agent): tests read and write it
 * through `data`, a per-volume map of file names to contents, and a task sees the same files at
 * its mount.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Def = Record<string, unknown>;

/**
 * Where the Mesos docker containerizer mounts a task's sandbox, and so where a persistent
 * volume with the relative containerPath `p` appears: `$MESOS_SANDBOX/p`
 * (docs/docs/native-docker.md: "the mount point of the Mesos sandbox is available in the
 * environment as $MESOS_SANDBOX"; docs/docs/persistent-volumes.md, the PostgreSQL example).
 */
export const MESOS_SANDBOX = '/mnt/mesos/sandbox';

/** One declared persistent volume of an app (state/Volume.scala, PersistentVolume + VolumeMount). */
export interface PersistentVolumeSpec {
  containerPath: string;
  size: number;
}

/** core/instance/LocalVolume.scala: LocalVolumeId, written as {containerPath, persistenceId}. */
export interface LocalVolume {
  /** `<app id safe path>#<name>#<uuid>` (LocalVolumeId.idString). */
  persistenceId: string;
  containerPath: string;
  size: number;
  /** The volume's data on the agent (this machine). */
  dir: string;
  /** The volume's files, as the task sees them under its mount. */
  data: VolumeData;
}

export interface VolumeData {
  get(file: string): string | undefined;
  set(file: string, content: string): void;
  /** Every file (top level) and its content. */
  entries(): Record<string, string>;
}

/** core/instance/Reservation.scala: the resources and volumes one resident instance holds. */
export interface Reservation {
  /** The resident instance's id: the same for every task launched on it. */
  instanceId: string;
  agentId: string;
  volumes: LocalVolume[];
  /** Launches on this reservation so far (Task.Id.forResidentTask counts attempts). */
  attempts: number;
  /** The task holding the reservation now; undefined while it waits for a relaunch. */
  holder: string | undefined;
}

/** The persistent volumes of an app definition (container.volumes entries with `persistent`). */
export function persistentVolumesOf(def: Def): PersistentVolumeSpec[] {
  const volumes = ((def.container as Def | undefined)?.volumes ?? []) as Def[];
  if (!Array.isArray(volumes)) return [];
  return volumes
    .filter((v) => v && typeof v === 'object' && v.persistent && typeof v.persistent === 'object')
    .map((v) => ({ containerPath: String(v.containerPath ?? ''), size: Number((v.persistent as Def).size ?? 0) }));
}

/** state/AppDefinition.scala: isResident = the app has persistent volumes. */
export function isResident(def: Def): boolean {
  return persistentVolumesOf(def).length > 0;
}

/** A bind mount of the task's container: a directory of this machine at a path inside. */
export interface Mount {
  hostDir: string;
  containerPath: string;
  readOnly: boolean;
}

/**
 * The directories a task's container gets, as the Mesos docker containerizer mounts them
 * (docs/docs/persistent-volumes.md, the MySQL example; docs/docs/external-volumes.md: "a
 * relative hostPath ... create[s] the mount in the task's sandbox ($MESOS_SANDBOX/$hostPath)"):
 * - a persistent volume with containerPath `p` at $MESOS_SANDBOX/p;
 * - a host volume with an absolute hostPath: that directory, at its containerPath;
 * - a host volume with a relative hostPath: $MESOS_SANDBOX/<hostPath> of the task, which is the
 *   persistent volume mounted there when one is (the documented way to put a persistent volume
 *   at an absolute path such as /var/lib/mysql), else a directory of the sandbox.
 */
export function mountsOf(def: Def, volumes: LocalVolume[], sandboxDir: string): Mount[] {
  const declared = ((def.container as Def | undefined)?.volumes ?? []) as Def[];
  if (!Array.isArray(declared)) return [];
  const inSandbox = (p: string) => (p.startsWith('/') ? p : path.posix.join(MESOS_SANDBOX, p));
  const mounts: Mount[] = [];
  for (const v of declared) {
    const containerPath = String(v.containerPath ?? '');
    const readOnly = v.mode === 'RO';
    if (v.persistent) {
      const volume = volumes.find((l) => l.containerPath === containerPath);
      if (volume) mounts.push({ hostDir: volume.dir, containerPath: inSandbox(containerPath), readOnly });
      continue;
    }
    if (typeof v.hostPath !== 'string') continue;
    let hostDir = v.hostPath;
    if (!hostDir.startsWith('/')) {
      const persistent = volumes.find((l) => l.containerPath === hostDir);
      hostDir = persistent ? persistent.dir : path.join(sandboxDir, hostDir);
      if (!persistent) mkdirSync(hostDir, { recursive: true, mode: 0o777 });
    }
    mounts.push({ hostDir, containerPath: inSandbox(containerPath), readOnly });
  }
  return mounts;
}

/** The volumes of every reservation, created on the agent (a directory each). */
export class VolumeStore {
  private readonly root = mkdtempSync(path.join(os.tmpdir(), 'standin-volumes-'));

  create(appId: string, spec: PersistentVolumeSpec, uuid: string): LocalVolume {
    // LocalVolumeId: runSpecId.safePath + "#" + name (the mount path for apps) + "#" + uuid.
    const persistenceId = `${appId.replace(/^\//, '').replace(/\//g, '_')}#${spec.containerPath}#${uuid}`;
    const dir = path.join(this.root, persistenceId.replace(/[^A-Za-z0-9._-]/g, '_'));
    mkdirSync(dir, { recursive: true });
    // Any user of the image may write it (Mesos creates the volume for the task's user).
    chmodSync(dir, 0o777);
    return { persistenceId, containerPath: spec.containerPath, size: spec.size, dir, data: directoryData(dir) };
  }

  /** A scratch sandbox directory of one task. */
  sandbox(taskId: string): string {
    const dir = path.join(this.root, 'sandboxes', taskId.replace(/[^A-Za-z0-9._-]/g, '_'));
    mkdirSync(dir, { recursive: true, mode: 0o777 });
    return dir;
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function directoryData(dir: string): VolumeData {
  const file = (name: string) => {
    if (name.includes('/') || name === '.' || name === '..' || name === '') throw new Error(`not a file name: ${name}`);
    return path.join(dir, name);
  };
  return {
    get: (name) => (existsSync(file(name)) ? readFileSync(file(name), 'utf8') : undefined),
    set: (name, content) => {
      writeFileSync(file(name), content);
      chmodSync(file(name), 0o666);
    },
    entries: () => Object.fromEntries(readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => [e.name, readFileSync(path.join(dir, e.name), 'utf8')])),
  };
}
