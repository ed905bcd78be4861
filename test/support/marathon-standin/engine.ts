/**
 * The stand-in's scheduler: apps, versions, deployments and tasks, behaving like Marathon 1.x
 * where a release client can tell the difference. Each behaviour names the Marathon source it
 * follows (mesosphere/marathon, src/main/scala/mesosphere/marathon/...):
 * - the app definition changes at once; a deployment then converges the tasks to it;
 * - rolling upgrades as core/deployment/impl/TaskReplaceActor.scala: start new tasks, count
 *   them once healthy AND ready, kill old ones only while minimumHealthCapacity stays met;
 * - a deployment never fails by itself: tasks that never get healthy keep it running;
 * - health checks as core/health (see startHealthChecks), readiness by portName;
 * - dead tasks are relaunched with Marathon's backoff (backoffSeconds * backoffFactor^n);
 * - kills are SIGTERM, then SIGKILL after taskKillGracePeriodSeconds;
 * - resident apps (persistent volumes, ./volumes.ts): each instance holds a reservation whose
 *   volumes follow its tasks, and an upgrade kills an old task before its replacement starts.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import os from 'node:os';
import { passes, probeHttp } from './checks.js';
import type { EventBus } from './events.js';
import { networkModeOf, portAssignments, requestedHostPorts, type NetworkMode, type PortAssignment } from './ports.js';
import { dialLoopback } from './relay.js';
import type { RunningTask, TaskRunner } from './runners.js';
import { envEraOf, taskEnv, type EnvEra } from './task-env.js';
import { isResident, mountsOf, persistentVolumesOf, VolumeStore, type Reservation } from './volumes.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

type Def = Record<string, unknown>;

/** core/health/Health.scala: the state of one health check of one task. */
export interface CheckHealth {
  firstSuccess?: number;
  lastSuccess?: number;
  lastFailure?: number;
  lastFailureCause?: string;
  consecutiveFailures: number;
}

export interface Task {
  id: string;
  instanceId: string;
  appId: string;
  configKey: string;
  /** The app version the task was launched with (every task JSON carries it). */
  version: string;
  state: 'staging' | 'running' | 'killing';
  network: NetworkMode;
  /** Host ports, one per declared port. */
  ports: number[];
  assignments: PortAssignment[];
  stagedAt: number;
  startedAt: number;
  /** One per health check, in the order of app.healthChecks. */
  health: CheckHealth[];
  /** Last healthiness sent in an instance_health_changed_event. */
  lastHealthy?: boolean | null;
  ready: boolean;
  handle?: RunningTask;
  timers: NodeJS.Timeout[];
  killReason?: string;
  stopGraceSeconds?: number;
  /** Resident apps: the reservation (and so the volumes) the task was launched on. */
  reservation?: Reservation;
}

export interface App {
  id: string;
  def: Def;
  version: string;
  versionInfo: { lastConfigChangeAt: string; lastScalingAt: string };
  versions: Map<string, Def>;
  tasks: Task[];
  lastTaskFailure?: Record<string, unknown>;
  launchDelayMs: number;
  nextLaunchAt: number;
  removing?: boolean;
  /** Resident apps: one reservation per instance ever launched (kept when scaled down). */
  reservations: Reservation[];
}

export interface Deployment {
  id: string;
  version: string;
  appId: string;
  action: 'StartApplication' | 'RestartApplication' | 'ScaleApplication' | 'StopApplication' | 'Hold';
  /** The app before this deployment, for a revert (null: it did not exist). */
  before: { def: Def; version: string } | null;
  /** Tasks alive when it started (TaskReplaceActor.computeRestartStrategy reads it). */
  runningAtStart: number;
  /** Resident apps: the kills TaskReplaceActor does at its start (nrToKillImmediately) are done. */
  killedAtStart?: boolean;
}

export interface EngineOptions {
  runner: TaskRunner;
  events: EventBus;
  /** Length of a Marathon "second" in ms (lower it for fast in-process tests). */
  secondMs: number;
  /** The host name of the one agent (default: this machine's). */
  agentHost?: string;
  /** The Marathon version the stand-in reports (default 1.7.236). */
  marathonVersion?: string;
  /** The secret store of a secrets plugin: source -> value (see secretEnv). */
  secretStore?: Record<string, string>;
}

const MESOS = new Set(['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);
/** The Mesos agent id of the one agent, as tasks and events report it. */
export const AGENT_ID = 'standin-agent-S0';

export class Engine {
  readonly apps = new Map<string, App>();
  /** Apps deleted while their tasks are still being killed. */
  readonly removing = new Map<string, App>();
  readonly deployments = new Map<string, Deployment>();
  private lastVersion = 0;
  private readonly usedPorts = new Set<number>();
  /** The agent's persistent volumes (directories of this machine). */
  readonly volumes = new VolumeStore();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * The agent's host name: HOST in every task's environment and `host` of every task
   * (mesos/TaskBuilder.scala puts the offer's hostname there). The agent is this machine, so
   * the stand-in reaches it at 127.0.0.1.
   */
  readonly agentHost: string;

  /** Which Marathon generation's task ids, environment and events the stand-in produces. */
  readonly era: EnvEra;

  constructor(private readonly options: EngineOptions) {
    this.agentHost = options.agentHost ?? os.hostname();
    this.era = envEraOf(options.marathonVersion ?? '1.7.236');
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), Math.max(20, Math.min(200, this.options.secondMs / 5)));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const all = [...this.apps.values(), ...this.removing.values()].flatMap((a) => a.tasks);
    for (const t of all) t.timers.forEach(clearTimeout);
    await Promise.all(all.map((t) => t.handle?.stop(0).catch(() => undefined)));
    await this.options.runner.cleanup();
    this.volumes.close();
  }

  nextVersion(): string {
    this.lastVersion = Math.max(Date.now(), this.lastVersion + 1);
    return new Date(this.lastVersion).toISOString();
  }

  runningDeployments(appId: string): Deployment[] {
    return [...this.deployments.values()].filter((d) => d.appId === appId);
  }

  private checkLock(appId: string, force: boolean): void {
    const holding = this.runningDeployments(appId);
    if (holding.length === 0) return;
    if (!force) {
      throw new HttpError(409, {
        message: "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
        deployments: holding.map((d) => ({ id: d.id })),
      });
    }
    for (const d of holding) this.endDeployment(d, false);
  }

  /** PUT /v2/apps/{id}: create, update (merge or replace) or roll back. */
  put(id: string, body: Def, options: { partial: boolean; force: boolean; validate: (def: Def, previous: Def | undefined) => void }): { status: number; deploymentId: string; version: string } {
    const existing = this.apps.get(id);
    let next: Def;
    if ('version' in body) {
      const extra = Object.keys(body).filter((k) => k !== 'id' && k !== 'version');
      if (extra.length > 0) {
        throw new HttpError(422, { message: 'Object is not valid', details: [{ path: '/', errors: [`The 'version' field may only be combined with the 'id' field (found ${extra.join(', ')}).`] }] });
      }
      const target = existing?.versions.get(String(body.version));
      if (!existing || !target) throw new HttpError(404, { message: `App '${id}' does not exist in version ${String(body.version)}` });
      next = { ...target, id };
    } else {
      next = options.partial && existing ? { ...existing.def, ...body, id } : { ...body, id };
      options.validate(next, existing?.def);
    }
    this.checkLock(id, options.force);
    return { status: existing ? 200 : 201, ...this.apply(id, next) };
  }

  /**
   * A new app version. mesosphere/marathon src/main/scala/mesosphere/marathon/upgrade/
   * GroupVersioningUtil.scala: a config change (a rollback to an earlier version included,
   * api/v2/AppHelpers.scala `rollback` puts that definition back as a new version) moves
   * lastConfigChangeAt, a scale only lastScalingAt; a config change restarts the app.
   */
  private apply(id: string, next: Def): { deploymentId: string; version: string } {
    const existing = this.apps.get(id);
    const version = this.nextVersion();
    const key = configKey(next);
    let action: Deployment['action'];
    let app: App;
    if (existing) {
      const configChanged = configKey(existing.def) !== key;
      action = configChanged ? 'RestartApplication' : 'ScaleApplication';
      app = existing;
      const before = { def: app.def, version: app.version };
      app.def = next;
      app.version = version;
      app.versionInfo = { lastConfigChangeAt: configChanged ? version : app.versionInfo.lastConfigChangeAt, lastScalingAt: version };
      if (configChanged) {
        app.launchDelayMs = 0;
        app.nextLaunchAt = 0;
      }
      app.versions.set(version, next);
      return this.startDeployment(app, action, before);
    }
    app = { id, def: next, version, versionInfo: { lastConfigChangeAt: version, lastScalingAt: version }, versions: new Map([[version, next]]), tasks: [], launchDelayMs: 0, nextLaunchAt: 0, reservations: [] };
    this.apps.set(id, app);
    return this.startDeployment(app, 'StartApplication', null);
  }

  private startDeployment(app: App, action: Deployment['action'], before: Deployment['before']): { deploymentId: string; version: string } {
    const runningAtStart = app.tasks.filter((t) => t.state !== 'killing').length;
    const deployment: Deployment = { id: randomUUID(), version: app.version, appId: app.id, action, before, runningAtStart };
    this.deployments.set(deployment.id, deployment);
    this.options.events.emit('deployment_info', { plan: this.planOf(deployment), currentStep: { actions: [{ action, app: app.id }] } });
    return { deploymentId: deployment.id, version: app.version };
  }

  /** A fake deployment that holds the app's lock until released (fault knob). */
  hold(appId: string): string {
    const deployment: Deployment = { id: randomUUID(), version: this.nextVersion(), appId, action: 'Hold', before: null, runningAtStart: 0 };
    this.deployments.set(deployment.id, deployment);
    return deployment.id;
  }

  release(deploymentId: string): void {
    const d = this.deployments.get(deploymentId);
    if (d) this.endDeployment(d, true);
  }

  remove(id: string, force: boolean): { deploymentId: string; version: string } {
    const app = this.apps.get(id);
    if (!app) throw new HttpError(404, { message: `App '${id}' does not exist` });
    this.checkLock(id, force);
    this.apps.delete(id);
    app.removing = true;
    this.removing.set(id, app);
    const ref = this.startDeployment(app, 'StopApplication', { def: app.def, version: app.version });
    return { deploymentId: ref.deploymentId, version: this.nextVersion() };
  }

  /** DELETE /v2/deployments/{id}: force = just stop it; otherwise revert to the app before it. */
  cancel(deploymentId: string, force: boolean): { deploymentId: string; version: string } | undefined {
    const d = this.deployments.get(deploymentId);
    if (!d) throw new HttpError(404, { message: `DeploymentPlan ${deploymentId} does not exist` });
    this.endDeployment(d, false);
    if (force) return undefined;
    if (d.before === null) {
      const app = this.apps.get(d.appId);
      if (!app) return { deploymentId: randomUUID(), version: this.nextVersion() };
      return this.remove(d.appId, true);
    }
    if (d.action === 'StopApplication') {
      const app = this.removing.get(d.appId)!;
      this.removing.delete(d.appId);
      app.removing = false;
      this.apps.set(d.appId, app);
    }
    return this.apply(d.appId, d.before.def);
  }

  private endDeployment(d: Deployment, success: boolean): void {
    if (!this.deployments.delete(d.id)) return;
    this.options.events.emit(success ? 'deployment_success' : 'deployment_failed', { id: d.id, plan: this.planOf(d) });
  }

  planOf(d: Deployment): Record<string, unknown> {
    return {
      id: d.id,
      version: d.version,
      affectedApps: [d.appId],
      affectedPods: [],
      steps: [{ actions: [{ action: d.action === 'Hold' ? 'RestartApplication' : d.action, app: d.appId }] }],
      currentActions: [{ action: d.action === 'Hold' ? 'RestartApplication' : d.action, app: d.appId, readinessCheckResults: [] }],
      currentStep: 1,
      totalSteps: 1,
    };
  }

  /**
   * core/appinfo/TaskCounts.scala: healthy and unhealthy count only tasks with health results
   * (tasks of every version: app-wide).
   */
  counts(app: App): Record<string, number> {
    const running = app.tasks.filter((t) => t.state !== 'staging');
    return {
      tasksStaged: app.tasks.filter((t) => t.state === 'staging').length,
      tasksRunning: running.length,
      tasksHealthy: running.filter((t) => t.state === 'running' && healthOf(t) === true).length,
      tasksUnhealthy: running.filter((t) => healthOf(t) === false).length,
    };
  }

  // ---- convergence -------------------------------------------------------------------------

  private tick(): void {
    if (this.closed) return;
    for (const app of [...this.apps.values(), ...this.removing.values()]) this.converge(app);
  }

  private converge(app: App): void {
    const deployment = this.runningDeployments(app.id).find((d) => d.action !== 'Hold');
    const target = app.removing ? 0 : Number(app.def.instances ?? 1);
    const alive = app.tasks.filter((t) => t.state !== 'killing');
    // TaskReplaceActor.scala: a restart replaces every instance not launched with the new
    // version (instancesToKill = runSpecVersion != version); a scale keeps them all. Here: the
    // tasks launched before the last config change are old.
    const changedAt = Date.parse(app.versionInfo.lastConfigChangeAt);
    const fresh = alive.filter((t) => Date.parse(t.version) >= changedAt);
    const old = alive.filter((t) => Date.parse(t.version) < changedAt);
    const isReady = (t: Task) => this.isReady(app, t);
    const now = Date.now();

    if (!deployment) {
      // Outside deployments Marathon only keeps the instance count (mixed versions stay).
      if (alive.length > target) this.killSurplus(app, alive, alive.length - target);
      else if (alive.length < target && now >= app.nextLaunchAt && this.canLaunch(app)) this.launch(app);
      return;
    }
    // core/deployment/impl/TaskReplaceActor.scala, computeRestartStrategy: minHealthy =
    // ceil(instances * minimumHealthCapacity), maxCapacity = floor(instances * (1 +
    // maximumOverCapacity)), plus one when the two are equal and the app already runs that
    // many (otherwise no new task could start).
    // raml/AppConversion.scala (UpgradeStrategyConverter): without an upgradeStrategy a resident
    // app gets UpgradeStrategy.forResidentTasks {0.5, 0}, any other app {1, 1}.
    const resident = isResident(app.def);
    const defaults = resident ? { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } : { minimumHealthCapacity: 1, maximumOverCapacity: 1 };
    const strategy = { ...defaults, ...((app.def.upgradeStrategy ?? {}) as { minimumHealthCapacity?: number; maximumOverCapacity?: number }) };
    const minHealthy = Math.ceil(target * strategy.minimumHealthCapacity);
    let maxTotal = Math.floor(target * (1 + strategy.maximumOverCapacity));
    const readyFresh = fresh.filter(isReady).length;
    let oldAlive = old.length;
    if (resident) {
      // TaskReplaceActor.computeRestartStrategy: a resident app never gets the extra instance;
      // instead, when minHealthy == maxCapacity, one more old instance is killed at once
      // (nrToKillImmediately = running - minHealthy + 1), so that its replacement can take over
      // the reservation. The kills happen once, when the deployment starts (preStart).
      if (!deployment.killedAtStart) {
        deployment.killedAtStart = true;
        let n = Math.max(0, deployment.runningAtStart - minHealthy);
        if (minHealthy === maxTotal && maxTotal <= deployment.runningAtStart) n = deployment.runningAtStart - minHealthy + 1;
        for (const t of [...old].sort((a, b) => Number(isReady(a)) - Number(isReady(b))).slice(0, n)) {
          this.kill(app, t, undefined);
          oldAlive--;
        }
      }
    } else if (minHealthy === maxTotal && maxTotal <= deployment.runningAtStart) {
      maxTotal += 1;
    }
    // Not-ready old tasks first: they serve nothing.
    for (const t of [...old].sort((a, b) => Number(isReady(a)) - Number(isReady(b)))) {
      if (!isReady(t) || oldAlive - 1 + readyFresh >= minHealthy) {
        this.kill(app, t, undefined);
        oldAlive--;
      }
    }
    let freshCount = fresh.length;
    if (freshCount > target) {
      this.killSurplus(app, fresh, freshCount - target);
      freshCount = target;
    }
    // TaskReplaceActor.launchInstances: leftCapacity = maxCapacity - oldInstanceIds.size -
    // instancesStarted, where an old instance leaves oldInstanceIds only once it is TERMINAL. For
    // a resident app that is what keeps two copies off one volume: a killed task still counts
    // until it has exited (and its reservation is free again).
    const occupied = resident ? app.tasks.length : freshCount + oldAlive;
    if (freshCount < target && occupied < maxTotal && now >= app.nextLaunchAt && this.canLaunch(app)) {
      this.launch(app);
      freshCount++;
    }
    const settling = app.tasks.some((t) => t.state === 'killing');
    if (oldAlive === 0 && freshCount === target && readyFresh === target && !settling) {
      this.endDeployment(deployment, true);
      if (app.removing) {
        this.removing.delete(app.id);
        // persistent-volumes.md: "If your app is deleted, any associated volumes and reserved
        // resources will also be deleted."
        app.reservations = [];
      }
    }
  }

  /** A resident app launches only on a free reservation, or on a new one while it has fewer than instances. */
  private canLaunch(app: App): boolean {
    if (!isResident(app.def)) return true;
    const target = app.removing ? 0 : Number(app.def.instances ?? 1);
    return app.reservations.some((r) => r.holder === undefined) || app.reservations.length < target;
  }

  private isReady(app: App, t: Task): boolean {
    if (t.state !== 'running') return false;
    const hasHealth = Array.isArray(app.def.healthChecks) && app.def.healthChecks.length > 0;
    const hasReadiness = Array.isArray(app.def.readinessChecks) && app.def.readinessChecks.length > 0;
    return (!hasHealth || healthOf(t) === true) && (!hasReadiness || t.ready);
  }

  private killSurplus(app: App, tasks: Task[], n: number): void {
    const order = [...tasks].sort((a, b) => Number(this.isReady(app, a)) - Number(this.isReady(app, b)));
    for (const t of order.slice(0, n)) this.kill(app, t, undefined);
  }

  // ---- tasks -------------------------------------------------------------------------------

  private launch(app: App): void {
    const def = app.def;
    const docker = ((def.container ?? {}) as Def).docker as Def | undefined;
    // 1.x: src/main/scala/mesosphere/marathon/core/instance/Instance.scala (instance ids
    // "<app path with _>.instance-<uuid>") and core/task/Task.scala (the task id of an app's
    // instance is the instance id + ".$anon"); 0.x: task ids "<app path with _>.<uuid>".
    const prefix = app.id.replace(/^\//, '').replace(/\//g, '_');
    const reservation = isResident(def) ? this.reservationFor(app) : undefined;
    const instanceId = reservation?.instanceId ?? (this.era === '1.x' ? `${prefix}.instance-${randomUUID()}` : `${prefix}.${randomUUID()}`);
    // core/task/Task.scala, Task.Id.forResidentTask: a task launched on a reservation is
    // "<instance id>.$anon.<attempt>", the attempt counting up with every launch on it.
    const id = reservation ? `${instanceId}.$anon.${++reservation.attempts}` : this.era === '1.x' ? `${instanceId}.$anon` : instanceId;
    if (reservation) reservation.holder = id;
    const task: Task = {
      id,
      ...(reservation ? { reservation } : {}),
      instanceId,
      appId: app.id,
      configKey: configKey(def),
      version: app.version,
      state: 'staging',
      network: networkModeOf(def),
      ports: [],
      assignments: [],
      stagedAt: Date.now(),
      startedAt: Date.now(),
      health: [],
      ready: false,
      timers: [],
    };
    app.tasks.push(task);
    this.statusUpdate(app, task, 'TASK_STAGING');
    this.allocatePorts(requestedHostPorts(def))
      .then((allocated) => {
        task.ports.push(...allocated);
        task.assignments = portAssignments(def, allocated);
        if (task.state === 'killing') throw new Error('killed before launch');
        const env = { ...taskEnv({ era: this.era, def, appId: app.id, version: task.version, taskId: task.id, agentHost: this.agentHost, hostPorts: allocated }), ...this.secretEnv(def) };
        return this.options.runner.start({
          taskId: task.id,
          appId: app.id,
          image: String(docker?.image ?? ''),
          env,
          network: task.network,
          ports: task.assignments,
          mounts: mountsOf(def, reservation?.volumes ?? [], this.volumes.sandbox(task.id)),
          ...(Array.isArray(def.args) ? { args: def.args.map(String) } : {}),
          ...(typeof def.cmd === 'string' ? { cmd: def.cmd } : {}),
        });
      })
      .then((handle) => {
        task.handle = handle;
        void handle.exited.then((exit) => this.onExit(app, task, exit.code, exit.message));
        if (task.state === 'killing') {
          void handle.stop(task.stopGraceSeconds ?? 0);
          return;
        }
        task.state = 'running';
        task.startedAt = Date.now();
        this.statusUpdate(app, task, 'TASK_RUNNING');
        this.startHealthChecks(app, task);
        this.startReadinessCheck(app, task);
      })
      .catch((error: unknown) => this.onExit(app, task, 125, `launch failed: ${String(error)}`));
  }

  /**
   * docs/docs/secrets.md: Marathon ships no secrets plugin; with one, an env value
   * {"secret": name} becomes the value the store holds for secrets[name].source; without one,
   * "no secrets will actually be passed to apps/pods at launch time".
   */
  private secretEnv(def: Def): Record<string, string> {
    const store = this.options.secretStore;
    if (!store) return {};
    const secrets = (def.secrets ?? {}) as Record<string, { source?: string }>;
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries((def.env ?? {}) as Def)) {
      const ref = value && typeof value === 'object' ? (value as Def).secret : undefined;
      const source = typeof ref === 'string' ? secrets[ref]?.source : undefined;
      if (source !== undefined && store[source] !== undefined) env[name] = store[source]!;
    }
    return env;
  }

  /**
   * InstanceOpFactoryImpl.inferForResidents: launching on a waiting reservation comes first
   * (its volumes hold the data); only when none waits are resources reserved and volumes created
   * anew (ReserveAndCreateVolumes), on the one agent.
   */
  private reservationFor(app: App): Reservation {
    const waiting = app.reservations.find((r) => r.holder === undefined);
    if (waiting) return waiting;
    const uuid = randomUUID();
    const reservation: Reservation = {
      instanceId: `${app.id.replace(/^\//, '').replace(/\//g, '_')}.instance-${uuid}`,
      agentId: AGENT_ID,
      volumes: persistentVolumesOf(app.def).map((spec) => this.volumes.create(app.id, spec, randomUUID())),
      attempts: 0,
      holder: undefined,
    };
    app.reservations.push(reservation);
    return reservation;
  }

  /** SIGTERM, then SIGKILL after taskKillGracePeriodSeconds (the runner does both). */
  private kill(app: App, task: Task, reason: string | undefined): void {
    if (task.state === 'killing') return;
    task.state = 'killing';
    task.killReason = reason;
    task.timers.forEach(clearTimeout);
    task.timers = [];
    const grace = typeof app.def.taskKillGracePeriodSeconds === 'number' ? app.def.taskKillGracePeriodSeconds : 3;
    task.stopGraceSeconds = grace;
    if (reason) {
      app.lastTaskFailure = { appId: app.id, host: this.agentHost, message: reason, state: 'TASK_KILLED', taskId: task.id, timestamp: new Date().toISOString(), version: task.version, slaveId: AGENT_ID };
      this.bumpBackoff(app);
    }
    this.statusUpdate(app, task, 'TASK_KILLING');
    void task.handle?.stop(grace);
  }

  private onExit(app: App, task: Task, code: number, message: string): void {
    const index = app.tasks.indexOf(task);
    if (index < 0) return;
    app.tasks.splice(index, 1);
    task.timers.forEach(clearTimeout);
    // The reservation waits for the next launch (Reservation.State.Suspended): same volumes.
    if (task.reservation?.holder === task.id) task.reservation.holder = undefined;
    for (const p of task.ports) this.usedPorts.delete(p);
    if (task.state === 'killing') {
      this.statusUpdate(app, task, 'TASK_KILLED');
      return;
    }
    const state = code === 0 ? 'TASK_FINISHED' : 'TASK_FAILED';
    app.lastTaskFailure = { appId: app.id, host: this.agentHost, message, state, taskId: task.id, timestamp: new Date().toISOString(), version: task.version, slaveId: AGENT_ID };
    this.bumpBackoff(app);
    this.statusUpdate(app, task, state);
  }

  private bumpBackoff(app: App): void {
    const s = this.options.secondMs;
    const base = Number(app.def.backoffSeconds ?? 1) * s;
    const factor = Number(app.def.backoffFactor ?? 1.15);
    const max = Number(app.def.maxLaunchDelaySeconds ?? 3600) * s;
    app.launchDelayMs = Math.min(max, app.launchDelayMs === 0 ? base : app.launchDelayMs * factor);
    app.nextLaunchAt = Date.now() + app.launchDelayMs;
  }

  /**
   * mesosphere/marathon src/main/scala/mesosphere/marathon/core/event/Events.scala
   * (MesosStatusUpdateEvent, written by api/v2/json/Formats.scala as all its fields).
   */
  private statusUpdate(app: App, task: Task, taskStatus: string): void {
    this.options.events.emit('status_update_event', { slaveId: AGENT_ID, taskId: task.id, taskStatus, message: '', appId: app.id, host: this.agentHost, ipAddresses: [], ports: task.ports, version: task.version });
  }

  /**
   * Health checks, each as the component that runs it in Marathon would:
   * - HTTP, HTTPS, TCP: Marathon itself, against the task's HOST port on its agent
   *   (core/health/HealthCheck.scala, MarathonHealthCheck.effectivePort: the port
   *   assignment's effectivePort, which NetworkInfo.scala sets to the host port);
   * - MESOS_HTTP, MESOS_HTTPS, MESOS_TCP: the Mesos agent, inside the task's network namespace,
   *   against the CONTAINER port when there is one (HealthCheck.scala,
   *   MesosHealthCheckWithPorts.effectivePort: "Mesos enters the container's network").
   * - COMMAND: the Mesos agent too, with `/bin/sh -c` inside the task's container
   *   (docs/docs/health-checks.md, "Mesos-level health checks", "COMMAND health checks"), as
   *   the MESOS_* checks count failures (HealthCheck.scala, MesosCommandHealthCheck.toMesos:
   *   consecutive_failures = maxConsecutiveFailures). Real containers run it (docker exec);
   *   in-process tasks have no shell, and there it counts as passing.
   */
  private startHealthChecks(app: App, task: Task): void {
    const checks = (Array.isArray(app.def.healthChecks) ? app.def.healthChecks : []) as Def[];
    checks.forEach((check, i) => {
      const protocol = String(check.protocol ?? 'HTTP');
      task.health[i] = { consecutiveFailures: 0 };
      if (protocol === 'COMMAND' || protocol === 'MESOS_COMMAND') {
        if (task.handle?.exec) {
          this.mesosCheck(app, task, check, i);
          return;
        }
        task.health[i] = { consecutiveFailures: 0, firstSuccess: Date.now(), lastSuccess: Date.now() };
        return;
      }
      if (MESOS.has(protocol)) this.mesosCheck(app, task, check, i);
      else this.marathonCheck(app, task, check, i);
    });
    if (checks.length > 0) this.emitInstanceHealth(app, task);
  }

  private checkTimings(check: Def) {
    const s = this.options.secondMs;
    // core/health/HealthCheck.scala: DefaultGracePeriod 5 min, DefaultInterval 1 min,
    // DefaultTimeout 20 s, DefaultMaxConsecutiveFailures 3, DefaultDelay 15 s.
    return {
      interval: Number(check.intervalSeconds ?? 60) * s,
      timeout: Number(check.timeoutSeconds ?? 20) * s,
      grace: Number(check.gracePeriodSeconds ?? 300) * s,
      delay: Number(check.delaySeconds ?? 15) * s,
      maxFailures: Number(check.maxConsecutiveFailures ?? 3),
    };
  }

  /**
   * mesosphere/marathon src/main/scala/mesosphere/marathon/core/health/impl/HealthCheckActor.scala:
   * the first check after min(interval, 5 s) (DefaultFirstHealthCheckAfter), then every
   * interval; a failure is ignored (health left as it was) while the task has never been
   * healthy and is within gracePeriodSeconds of running; otherwise, when the consecutive
   * failures counted BEFORE this one already reach maxConsecutiveFailures (and it is > 0), an
   * unhealthy_instance_kill_event and the kill; then the failure is counted.
   */
  private marathonCheck(app: App, task: Task, check: Def, i: number): void {
    const { interval, timeout, grace, maxFailures } = this.checkTimings(check);
    const protocol = String(check.protocol ?? 'HTTP');
    const hostPort = typeof check.port === 'number' ? check.port : task.assignments[Number(check.portIndex ?? 0)]?.hostPort;
    const probe = async () => {
      if (task.state !== 'running') return;
      // The agent is this machine: its host name stands for 127.0.0.1.
      const ok = hostPort !== undefined && (await passes(protocol, dialLoopback(hostPort), String(check.path ?? '/'), timeout));
      if (task.state !== 'running') return;
      const health = task.health[i]!;
      const wasAlive = alive(health);
      const now = Date.now();
      if (!this.passedOrWithinGrace(app, task, health, ok, grace, now)) {
        const cause = hostPort === undefined ? 'no port' : `${protocol} check of port ${hostPort} failed`;
        // Events.scala FailedHealthCheck (Formats.scala writes the instance id as taskId).
        this.options.events.emit('failed_health_check_event', { appId: app.id, taskId: task.instanceId, healthCheck: check });
        if (maxFailures > 0 && health.consecutiveFailures >= maxFailures) {
          this.unhealthyKill(app, task, health.lastFailureCause ?? cause);
          return;
        }
        Object.assign(health, { lastFailure: now, lastFailureCause: cause, consecutiveFailures: health.consecutiveFailures + 1 });
      }
      if (wasAlive !== alive(health) && (health.lastSuccess !== undefined || health.lastFailure !== undefined)) {
        // HealthCheckActor.updateInstanceHealth: HealthStatusChanged, per check (0.15's
        // marathon/event/Events.scala: with taskId instead of instanceId).
        const who = this.era === '1.x' ? { instanceId: task.instanceId } : { taskId: task.id };
        this.options.events.emit('health_status_changed_event', { appId: app.id, ...who, version: task.version, alive: alive(health) });
      }
      this.emitInstanceHealth(app, task);
      task.timers.push(setTimeout(() => void probe(), interval));
    };
    task.timers.push(setTimeout(() => void probe(), Math.min(interval, 5 * this.options.secondMs)));
  }

  /**
   * A passing probe records a success (and ends the app's launch back-off); a failing one is
   * ignored while the task has never been healthy and is within gracePeriodSeconds of running.
   * False: a failure that counts.
   */
  private passedOrWithinGrace(app: App, task: Task, health: CheckHealth, ok: boolean, grace: number, now: number): boolean {
    if (ok) {
      Object.assign(health, { firstSuccess: health.firstSuccess ?? now, lastSuccess: now, consecutiveFailures: 0 });
      app.launchDelayMs = 0;
      return true;
    }
    // Marathon checks: HealthCheckActor.ignoreFailures; MESOS_* checks: the agent's health
    // checker ignores them the same way (see mesosCheck).
    return health.firstSuccess === undefined && now < task.startedAt + grace;
  }

  /**
   * MESOS_* checks are handed to the Mesos agent (core/health/HealthCheck.scala toMesos:
   * delay_seconds, interval_seconds, timeout_seconds, grace_period_seconds and
   * consecutive_failures = maxConsecutiveFailures), whose health checker probes from inside the
   * task's network namespace, starts after delaySeconds, ignores failures within the grace
   * period until the first success, and kills the task once the consecutive failures reach
   * consecutive_failures (0: at the first one).
   */
  private mesosCheck(app: App, task: Task, check: Def, i: number): void {
    const { interval, timeout, grace, delay, maxFailures } = this.checkTimings(check);
    const protocol = String(check.protocol);
    const assignment = task.assignments[Number(check.portIndex ?? 0)];
    const port = typeof check.port === 'number' ? check.port : (assignment?.containerPort ?? assignment?.hostPort);
    const probe = async () => {
      if (task.state !== 'running' || !task.handle) return;
      const handle = task.handle;
      const command = protocol === 'COMMAND' ? String(((check.command ?? {}) as Def).value ?? '') : undefined;
      const ok =
        command !== undefined
          ? handle.exec !== undefined && (await handle.exec(command, timeout)) === 0
          : port !== undefined && (await passes(protocol.slice('MESOS_'.length), () => handle.dialInside(port), String(check.path ?? '/'), timeout));
      if (task.state !== 'running') return;
      const health = task.health[i]!;
      const now = Date.now();
      if (!this.passedOrWithinGrace(app, task, health, ok, grace, now)) {
        const cause = command !== undefined ? `COMMAND check "${command}" failed` : `${protocol} check of port ${port ?? '?'} in the task's network failed`;
        Object.assign(health, { lastFailure: now, lastFailureCause: cause, consecutiveFailures: health.consecutiveFailures + 1 });
        if (health.consecutiveFailures >= Math.max(1, maxFailures)) {
          this.emitInstanceHealth(app, task);
          this.kill(app, task, `Task was killed since health check failed. Reason: ${cause}`);
          return;
        }
      }
      this.emitInstanceHealth(app, task);
      task.timers.push(setTimeout(() => void probe(), interval));
    };
    task.timers.push(setTimeout(() => void probe(), delay));
  }

  /** HealthCheckActor.checkConsecutiveFailures: the event, then KillReason.FailedHealthChecks. */
  private unhealthyKill(app: App, task: Task, reason: string): void {
    // core/event/Events.scala, UnhealthyInstanceKillEvent (all fields, Formats.scala); 0.15's
    // HealthCheckActor kills without an event.
    if (this.era === '1.x') this.options.events.emit('unhealthy_instance_kill_event', { appId: app.id, taskId: task.id, instanceId: task.instanceId, version: task.version, reason, host: this.agentHost, slaveId: AGENT_ID });
    this.kill(app, task, `Task was killed since health check failed. Reason: ${reason}`);
  }

  /**
   * mesosphere/marathon src/main/scala/mesosphere/marathon/core/health/impl/AppHealthCheckActor.scala:
   * an instance_health_changed_event whenever the instance's healthiness over all its checks
   * changes (unknown while any check has no result yet: `healthy` null). Its JSON
   * (api/v2/json/Formats.scala, InstanceHealthChangedEventWrites) names the app `runSpecId`.
   */
  private emitInstanceHealth(app: App, task: Task): void {
    // Instances (and this event) exist from 1.4; 0.x has none.
    if (this.era !== '1.x') return;
    const healthy = healthOf(task) ?? null;
    if (task.lastHealthy === healthy) return;
    task.lastHealthy = healthy;
    this.options.events.emit('instance_health_changed_event', { instanceId: task.instanceId, runSpecId: app.id, healthy, runSpecVersion: task.version });
  }

  /**
   * mesosphere/marathon src/main/scala/mesosphere/marathon/core/readiness/ReadinessCheckExecutor.scala:
   * Marathon probes the port assignment named `portName` at its effective address (the host
   * port), every intervalSeconds, until one answer is in httpStatusCodesForReady
   * (core/deployment/impl/ReadinessBehavior.scala: then the task counts as ready).
   * Defaults from core/readiness/ReadinessCheck.scala.
   */
  private startReadinessCheck(app: App, task: Task): void {
    const readiness = (Array.isArray(app.def.readinessChecks) ? app.def.readinessChecks[0] : undefined) as Def | undefined;
    if (!readiness) {
      task.ready = true;
      return;
    }
    const s = this.options.secondMs;
    const portName = String(readiness.portName ?? 'http-api');
    const port = task.assignments.find((a) => a.name === portName)?.hostPort;
    const okCodes = Array.isArray(readiness.httpStatusCodesForReady) ? readiness.httpStatusCodesForReady : [200];
    const interval = Number(readiness.intervalSeconds ?? 30) * s;
    const timeout = Number(readiness.timeoutSeconds ?? 10) * s;
    const check = async () => {
      if (task.state !== 'running' || port === undefined) return;
      const status = await probeHttp(dialLoopback(port), String(readiness.path ?? '/'), timeout, readiness.protocol === 'HTTPS');
      if (status !== undefined && okCodes.includes(status)) {
        task.ready = true;
        return;
      }
      task.timers.push(setTimeout(() => void check(), interval));
    };
    task.timers.push(setTimeout(() => void check(), 0));
  }

  /** Free host ports from the kernel (listen on 0), remembered so two tasks never share one. */
  private async allocatePorts(requested: Array<number | undefined>): Promise<number[]> {
    const ports: number[] = [];
    for (const fixed of requested) {
      if (fixed !== undefined) {
        this.usedPorts.add(fixed);
        ports.push(fixed);
        continue;
      }
      for (;;) {
        const port = await new Promise<number>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
          });
        });
        if (!this.usedPorts.has(port)) {
          this.usedPorts.add(port);
          ports.push(port);
          break;
        }
      }
    }
    return ports;
  }
}

/** core/health/Health.scala: alive = a success, later than the last failure. */
function alive(h: CheckHealth): boolean {
  return h.lastSuccess !== undefined && (h.lastFailure === undefined || h.lastSuccess > h.lastFailure);
}

/**
 * AppHealthCheckActor.scala: unknown if any check has no result, unhealthy if all have one and
 * any fails, healthy if all pass.
 */
export function healthOf(t: Task): boolean | undefined {
  if (t.health.length === 0) return undefined;
  if (t.health.some((h) => h.lastSuccess === undefined && h.lastFailure === undefined)) return undefined;
  return t.health.every(alive);
}

/** What decides whether a running task must be replaced: everything but id/version/scale. */
export function configKey(def: Def): string {
  const { id: _id, version: _v, versionInfo: _vi, instances: _i, ...rest } = def;
  return stableStringify(rest);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as Def)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Def)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
