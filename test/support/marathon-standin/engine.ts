/**
 * The stand-in's scheduler: apps, versions, deployments and tasks, behaving like Marathon 1.x
 * where a release client can tell the difference:
 * - the app definition changes at once; a deployment then converges the tasks to it;
 * - rolling upgrades follow upgradeStrategy: start new tasks, count them once healthy AND
 *   ready, kill old ones only while minimumHealthCapacity stays met;
 * - a deployment never fails by itself: tasks that never get healthy keep it running;
 * - health checks kill after maxConsecutiveFailures (MESOS_*: 0 = at the first failure;
 *   HTTP/TCP: 0 = never), ignoring failures within gracePeriodSeconds until first healthy;
 * - dead tasks are relaunched with Marathon's backoff (backoffSeconds * backoffFactor^n);
 * - kills are SIGTERM, then SIGKILL after taskKillGracePeriodSeconds.
 * Simplification: tasks whose config equals the target's are kept by a deployment (a rollback
 * to the version they run does not restart them).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { runHealthCheck, probeHttp } from './checks.js';
import type { EventBus } from './events.js';
import type { RunningTask, TaskRunner } from './runners.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

type Def = Record<string, unknown>;

export interface Task {
  id: string;
  appId: string;
  configKey: string;
  version: string;
  state: 'staging' | 'running' | 'killing';
  ports: number[];
  startedAt: number;
  results: Array<boolean | undefined>;
  failures: number[];
  everHealthy: boolean;
  ready: boolean;
  handle?: RunningTask;
  timers: NodeJS.Timeout[];
  killReason?: string;
  stopGraceSeconds?: number;
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
}

export interface Deployment {
  id: string;
  version: string;
  appId: string;
  action: 'StartApplication' | 'RestartApplication' | 'ScaleApplication' | 'StopApplication' | 'Hold';
  /** The app before this deployment, for a revert (null: it did not exist). */
  before: { def: Def; version: string } | null;
}

export interface EngineOptions {
  runner: TaskRunner;
  events: EventBus;
  /** Length of a Marathon "second" in ms (lower it for fast in-process tests). */
  secondMs: number;
}

const MESOS = new Set(['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);

export class Engine {
  readonly apps = new Map<string, App>();
  /** Apps deleted while their tasks are still being killed. */
  readonly removing = new Map<string, App>();
  readonly deployments = new Map<string, Deployment>();
  private lastVersion = 0;
  private readonly usedPorts = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: EngineOptions) {}

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
  put(id: string, body: Def, options: { partial: boolean; force: boolean; validate: (def: Def) => void }): { status: number; deploymentId: string; version: string } {
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
      options.validate(next);
    }
    this.checkLock(id, options.force);
    return { status: existing ? 200 : 201, ...this.apply(id, next) };
  }

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
    app = { id, def: next, version, versionInfo: { lastConfigChangeAt: version, lastScalingAt: version }, versions: new Map([[version, next]]), tasks: [], launchDelayMs: 0, nextLaunchAt: 0 };
    this.apps.set(id, app);
    return this.startDeployment(app, 'StartApplication', null);
  }

  private startDeployment(app: App, action: Deployment['action'], before: Deployment['before']): { deploymentId: string; version: string } {
    const deployment: Deployment = { id: randomUUID(), version: app.version, appId: app.id, action, before };
    this.deployments.set(deployment.id, deployment);
    this.options.events.emit('deployment_info', { plan: this.planOf(deployment), currentStep: { actions: [{ action, app: app.id }] } });
    return { deploymentId: deployment.id, version: app.version };
  }

  /** A fake deployment that holds the app's lock until released (fault knob). */
  hold(appId: string): string {
    const deployment: Deployment = { id: randomUUID(), version: this.nextVersion(), appId, action: 'Hold', before: null };
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
    const key = configKey(app.def);
    const alive = app.tasks.filter((t) => t.state !== 'killing');
    const fresh = alive.filter((t) => t.configKey === key);
    const old = alive.filter((t) => t.configKey !== key);
    const isReady = (t: Task) => this.isReady(app, t);
    const now = Date.now();

    if (!deployment) {
      // Outside deployments Marathon only keeps the instance count (mixed versions stay).
      if (alive.length > target) this.killSurplus(app, alive, alive.length - target);
      else if (alive.length < target && now >= app.nextLaunchAt) this.launch(app);
      return;
    }
    const strategy = (app.def.upgradeStrategy ?? {}) as { minimumHealthCapacity?: number; maximumOverCapacity?: number };
    const minHealthy = Math.ceil(target * (strategy.minimumHealthCapacity ?? 1));
    const maxTotal = target + Math.floor(target * (strategy.maximumOverCapacity ?? 1));
    const readyFresh = fresh.filter(isReady).length;
    let oldAlive = old.length;
    let killed = false;
    // Not-ready old tasks first: they serve nothing.
    for (const t of [...old].sort((a, b) => Number(isReady(a)) - Number(isReady(b)))) {
      if (!isReady(t) || oldAlive - 1 + readyFresh >= minHealthy) {
        this.kill(app, t, undefined);
        oldAlive--;
        killed = true;
      }
    }
    let freshCount = fresh.length;
    if (freshCount > target) {
      this.killSurplus(app, fresh, freshCount - target);
      freshCount = target;
    }
    if (freshCount < target && freshCount + oldAlive < maxTotal && now >= app.nextLaunchAt) {
      this.launch(app);
      freshCount++;
    } else if (!killed && freshCount < target && oldAlive > 0 && freshCount + oldAlive >= maxTotal && readyFresh === freshCount) {
      // {minimumHealthCapacity: 1, maximumOverCapacity: 0} can't progress otherwise.
      this.kill(app, old[0]!, undefined);
    }
    const settling = app.tasks.some((t) => t.state === 'killing');
    if (oldAlive === 0 && freshCount === target && readyFresh === target && !settling) {
      this.endDeployment(deployment, true);
      if (app.removing) this.removing.delete(app.id);
    }
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
    const container = (def.container ?? {}) as Def;
    const docker = (container.docker ?? {}) as Def;
    const mappings = (Array.isArray(container.portMappings) ? container.portMappings : Array.isArray(docker.portMappings) ? docker.portMappings : Array.isArray(def.portDefinitions) ? def.portDefinitions : []) as Def[];
    const ports: number[] = [];
    const task: Task = {
      id: `${app.id.replace(/^\//, '').replace(/\//g, '_')}.${randomUUID()}`,
      appId: app.id,
      configKey: configKey(def),
      version: app.version,
      state: 'staging',
      ports,
      startedAt: Date.now(),
      results: [],
      failures: [],
      everHealthy: false,
      ready: false,
      timers: [],
    };
    app.tasks.push(task);
    this.statusUpdate(app, task, 'TASK_STAGING');
    this.allocatePorts(mappings.length)
      .then((allocated) => {
        task.ports.push(...allocated);
        if (task.state === 'killing') throw new Error('killed before launch');
        return this.options.runner.start({ taskId: task.id, appId: app.id, image: String(docker.image ?? ''), env: taskEnv(app, task, mappings), ports, args: Array.isArray(def.args) ? def.args.map(String) : undefined });
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
        this.startChecks(app, task);
      })
      .catch((error: unknown) => this.onExit(app, task, 125, `launch failed: ${String(error)}`));
  }

  private kill(app: App, task: Task, reason: string | undefined): void {
    if (task.state === 'killing') return;
    task.state = 'killing';
    task.killReason = reason;
    task.timers.forEach(clearTimeout);
    task.timers = [];
    const grace = typeof app.def.taskKillGracePeriodSeconds === 'number' ? app.def.taskKillGracePeriodSeconds : 3;
    task.stopGraceSeconds = grace;
    if (reason) {
      app.lastTaskFailure = { appId: app.id, host: '127.0.0.1', message: reason, state: 'TASK_KILLED', taskId: task.id, timestamp: new Date().toISOString(), version: task.version, slaveId: 'standin' };
      this.bumpBackoff(app);
    }
    void task.handle?.stop(grace);
  }

  private onExit(app: App, task: Task, code: number, message: string): void {
    const index = app.tasks.indexOf(task);
    if (index < 0) return;
    app.tasks.splice(index, 1);
    task.timers.forEach(clearTimeout);
    for (const p of task.ports) this.usedPorts.delete(p);
    if (task.state === 'killing') {
      this.statusUpdate(app, task, 'TASK_KILLED');
      return;
    }
    const state = code === 0 ? 'TASK_FINISHED' : 'TASK_FAILED';
    app.lastTaskFailure = { appId: app.id, host: '127.0.0.1', message, state, taskId: task.id, timestamp: new Date().toISOString(), version: task.version, slaveId: 'standin' };
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

  private statusUpdate(app: App, task: Task, taskStatus: string): void {
    this.options.events.emit('status_update_event', { slaveId: 'standin', taskId: task.id, taskStatus, message: '', appId: app.id, host: '127.0.0.1', ports: task.ports, version: task.version });
  }

  private startChecks(app: App, task: Task): void {
    const s = this.options.secondMs;
    const checks = (Array.isArray(app.def.healthChecks) ? app.def.healthChecks : []) as Def[];
    checks.forEach((check, i) => {
      const protocol = String(check.protocol ?? 'HTTP');
      const mesos = MESOS.has(protocol);
      const interval = Number(check.intervalSeconds ?? 60) * s;
      const timeout = Number(check.timeoutSeconds ?? 20) * s;
      const grace = Number(check.gracePeriodSeconds ?? 300) * s;
      const maxFailures = Number(check.maxConsecutiveFailures ?? 3);
      task.failures[i] = 0;
      const probe = async () => {
        if (task.state !== 'running') return;
        const ok = await runHealthCheck(check, task.ports, timeout);
        if (task.state !== 'running') return;
        const before = healthOf(task);
        if (ok) {
          task.results[i] = true;
          task.failures[i] = 0;
          task.everHealthy = true;
          app.launchDelayMs = 0;
        } else if (!task.everHealthy && Date.now() - task.startedAt < grace) {
          // Within the grace period and never healthy yet: failures are ignored.
        } else {
          task.results[i] = false;
          task.failures[i] = (task.failures[i] ?? 0) + 1;
          const limit = maxFailures === 0 ? (mesos ? 1 : Infinity) : maxFailures;
          if (task.failures[i]! >= limit) {
            this.options.events.emit('unhealthy_task_kill_event', { appId: app.id, taskId: task.id, version: task.version, reason: `${protocol} health check failed ${task.failures[i]} times`, host: '127.0.0.1' });
            this.kill(app, task, `Task was killed since health check failed. Reason: ${protocol} check of port ${task.ports[Number(check.portIndex ?? 0)]} failed ${task.failures[i]} time(s)`);
            return;
          }
        }
        const after = healthOf(task);
        if (after !== before && after !== undefined) {
          this.options.events.emit('instance_health_changed_event', { instanceId: task.id, appId: app.id, version: task.version, healthy: after, runSpecId: app.id });
        }
        task.timers.push(setTimeout(() => void probe(), interval));
      };
      task.timers.push(setTimeout(() => void probe(), mesos ? Number(check.delaySeconds ?? 15) * s : 0));
    });

    const readiness = (Array.isArray(app.def.readinessChecks) ? app.def.readinessChecks[0] : undefined) as Def | undefined;
    if (readiness) {
      const container = (app.def.container ?? {}) as Def;
      const mappings = (Array.isArray(container.portMappings) ? container.portMappings : Array.isArray(app.def.portDefinitions) ? app.def.portDefinitions : []) as Def[];
      const port = task.ports[mappings.findIndex((m) => m.name === readiness.portName)];
      const okCodes = Array.isArray(readiness.httpStatusCodesForReady) ? readiness.httpStatusCodesForReady : [200];
      const interval = Number(readiness.intervalSeconds ?? 30) * s;
      const timeout = Number(readiness.timeoutSeconds ?? 10) * s;
      const check = async () => {
        if (task.state !== 'running' || port === undefined) return;
        const status = await probeHttp(port, String(readiness.path ?? '/'), timeout, readiness.protocol === 'HTTPS');
        if (status !== undefined && okCodes.includes(status)) {
          task.ready = true; // Marathon stops checking once a task is ready.
          return;
        }
        task.timers.push(setTimeout(() => void check(), interval));
      };
      task.timers.push(setTimeout(() => void check(), 0));
    } else {
      task.ready = true;
    }
  }

  /** Free ports from the kernel (listen on 0), remembered so two tasks never share one. */
  private async allocatePorts(n: number): Promise<number[]> {
    const ports: number[] = [];
    while (ports.length < n) {
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
      }
    }
    return ports;
  }
}

function healthOf(t: Task): boolean | undefined {
  if (t.results.length === 0 || t.results.some((r) => r === undefined)) return t.results.includes(false) ? false : undefined;
  return t.results.every(Boolean);
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

/**
 * Marathon's task environment, adapted to host networking: PORT0.., PORTS, PORT_<NAME>, PORT
 * (= PORT0), HOST, MARATHON_APP_*; and every env value equal to a containerPort rewritten to
 * the host port standing in for it (see runners.ts).
 */
function taskEnv(app: App, task: Task, mappings: Def[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries((app.def.env ?? {}) as Def)) if (typeof v === 'string') env[k] = v;
  mappings.forEach((m, i) => {
    const hostPort = String(task.ports[i]);
    if (typeof m.containerPort === 'number' && m.containerPort !== 0) {
      for (const [k, v] of Object.entries(env)) if (v === String(m.containerPort)) env[k] = hostPort;
    }
    env[`PORT${i}`] = hostPort;
    if (typeof m.name === 'string') env[`PORT_${m.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = hostPort;
  });
  if (task.ports.length > 0) {
    env.PORT = String(task.ports[0]);
    env.PORTS = task.ports.join(',');
  }
  const metrics = mappings.findIndex((m) => m.name === 'metrics');
  if (metrics >= 0) env.METRICS_PORT = String(task.ports[metrics]);
  env.HOST = '127.0.0.1';
  env.MARATHON_APP_ID = app.id;
  env.MARATHON_APP_VERSION = app.version;
  env.MESOS_TASK_ID = task.id;
  return env;
}
