/**
 * A Marathon stand-in for tests (not shipped), modelled on Marathon's own source (each
 * behaviour names the file it follows): the REST API a release client uses, served by node:http
 * on 127.0.0.1 port 0, as the version it reports (1.x by default; 0.15 and 0.11 task
 * environments, events, schemas and 422 bodies too). Tasks run as real Docker containers
 * (DockerRunner) or in-process HTTP servers (InProcessRunner, fast tests only), with the
 * environment Marathon gives them and, in bridge mode, a network namespace of their own
 * reached only through their host ports. Faithful where a client can tell: status codes,
 * bodies, headers, partialUpdate, locks, embeds, SSE events, health checks, rollouts, resident
 * apps whose local persistent volumes follow their tasks (./volumes.ts), secrets.
 * Fault knobs: `faults` (5xx for N requests, unreachable, 422 body, a leader election, a state
 * reload), `events.cut()`, `engine.hold(appId)` for a lock.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AGENT_ID, Engine, HttpError, type App, type Task } from './engine.js';
import { EventBus } from './events.js';
import { DockerRunner, InProcessRunner, type TaskRunner } from './runners.js';
import { invalidBody, validateApp } from './validate.js';

export { DockerRunner, InProcessRunner } from './runners.js';
export type { Engine } from './engine.js';

export interface StandinOptions {
  /** What GET /v2/info reports (default 1.7.236). */
  version?: string;
  runner?: 'docker' | 'in-process' | TaskRunner;
  docker?: string;
  /** Length of a Marathon second in ms (default 1000; in-process tests may shrink it). */
  secondMs?: number;
  /** The agent's host name (HOST of every task, `host` of every task; default os.hostname()). */
  agentHost?: string;
  auth?: { basic?: { user: string; password: string }; token?: string; readOnlyUsers?: string[] };
  /** Marathon's --enable_features (e.g. "secrets"); none by default, as Marathon. */
  features?: string[];
  /**
   * A secrets plugin's store (source -> value): tasks get the values of their env secret
   * references. Without one, as Marathon without a plugin, no secret reaches a task.
   */
  secretStore?: Record<string, string>;
}

export interface Faults {
  /** The next N requests (not /v2/events) answer this status (default 503). */
  failNext(n: number, status?: number): void;
  /** Every connection is reset until set back to false. */
  unreachable: boolean;
  /** The next PUT of an app answers 422 with this body (any of the three version shapes). */
  reject422Once(body: unknown): void;
  /** Requests seen, as "METHOD path?query". */
  readonly log: string[];
  /** Bodies of PUT requests, in order. */
  readonly putBodies: unknown[];
  /**
   * A leader election in progress, until set back to false: no instance knows a leader, so
   * every request (the event stream's too) answers 502 "Could not determine the current
   * leader" (mesosphere/marathon src/main/scala/mesosphere/marathon/api/LeaderProxyFilter.scala,
   * ERROR_STATUS_NO_CURRENT_LEADER), and attached event streams are closed
   * (core/event/impl/stream/HttpEventStreamActor.scala: on standby it closes every handle and
   * rejects new ones). Deployments keep running: tasks do not stop with the leader.
   */
  electing: boolean;
  /**
   * A new leader reloading its state, until set back to false: running deployments are missing
   * from GET /v2/deployments and from the app's `deployments` while they go on
   * (core/deployment/impl/DeploymentManagerActor.scala recovers them from storage after
   * election; marathon#4085).
   */
  reloading: boolean;
}

export interface MarathonStandin {
  url: string;
  engine: Engine;
  events: EventBus;
  faults: Faults;
  app(appId: string): App | undefined;
  close(): Promise<void>;
}

export async function startMarathonStandin(options: StandinOptions = {}): Promise<MarathonStandin> {
  const version = options.version ?? '1.7.236';
  const events = new EventBus();
  const runner: TaskRunner =
    typeof options.runner === 'object' ? options.runner : options.runner === 'in-process' ? new InProcessRunner() : new DockerRunner({ docker: options.docker, instanceId: randomUUID() });
  const engine = new Engine({ runner, events, secondMs: options.secondMs ?? 1000, marathonVersion: version, ...(options.agentHost ? { agentHost: options.agentHost } : {}), ...(options.secretStore ? { secretStore: options.secretStore } : {}) });
  let failures = { left: 0, status: 503 };
  let next422: unknown;
  let unreachable = false;
  let electing = false;
  const sockets = new Set<Socket>();
  const log: string[] = [];
  const putBodies: unknown[] = [];
  const faults: Faults = {
    failNext(n, status = 503) {
      failures = { left: n, status };
    },
    get unreachable() {
      return unreachable;
    },
    // Also drops kept-alive connections: a client's pooled socket must not outlive the fault.
    set unreachable(value: boolean) {
      unreachable = value;
      if (value) for (const s of sockets) s.destroy();
    },
    reject422Once(body) {
      next422 = body;
    },
    log,
    putBodies,
    get electing() {
      return electing;
    },
    set electing(value: boolean) {
      electing = value;
      if (value) events.cut();
    },
    reloading: false,
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return send(res, error.status, error.body);
      send(res, 500, { message: String(error) });
    });
  });
  server.on('connection', (socket) => {
    if (unreachable) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    log.push(`${method} ${url.pathname}${url.search}`);
    if (electing) {
      // Jetty's sendError: an HTML error page with the reason.
      const page = '<html><head><title>Error 502 Could not determine the current leader</title></head><body><h2>HTTP ERROR 502</h2><p>Could not determine the current leader</p></body></html>';
      res.writeHead(502, { 'content-type': 'text/html;charset=iso-8859-1', 'content-length': Buffer.byteLength(page) }).end(page);
      return;
    }
    if (!authorised(req, res, method)) return;
    if (url.pathname !== '/v2/events' && failures.left > 0) {
      failures.left--;
      return send(res, failures.status, { message: 'Could not proxy to leader' });
    }
    const raw = await readRaw(req);
    const force = url.searchParams.get('force') === 'true';
    const path = url.pathname.replace(/\/+$/, '');

    if (method === 'GET' && path === '/v2/info') {
      return send(res, 200, { name: 'marathon', version, buildref: 'standin', elected: true, leader: '127.0.0.1', frameworkId: 'standin', marathon_config: { mesos_leader_ui_url: '' }, http_config: {} });
    }
    if (method === 'GET' && path === '/v2/events') return events.attach(res);
    if (method === 'GET' && path === '/v2/deployments') {
      // api/v2/DeploymentsResource.scala (running): the RUNNING deployments only; a finished
      // one is gone, whether it succeeded or not.
      return send(res, 200, faults.reloading ? [] : [...engine.deployments.values()].map((d) => engine.planOf(d)));
    }
    const dep = /^\/v2\/deployments\/([^/]+)$/.exec(path);
    if (dep && method === 'DELETE') {
      const result = engine.cancel(decodeURIComponent(dep[1]!), force);
      if (!result) {
        res.writeHead(202).end();
        return;
      }
      return sendDeployment(res, 200, result);
    }
    if (method === 'GET' && path === '/v2/apps') {
      return send(res, 200, { apps: [...engine.apps.values()].map((a) => appJson(a, new Set(url.searchParams.getAll('embed')))) });
    }
    if (method === 'POST' && path === '/v2/apps') {
      const body = parseJson(raw);
      const id = normaliseId(String((body as Record<string, unknown>).id ?? ''));
      if (engine.apps.has(id)) throw new HttpError(409, { message: `An app with id [${id}] already exists.` });
      const result = engine.put(id, body as Record<string, unknown>, { partial: false, force, validate: (d, previous) => validate(d, previous) });
      res.setHeader('location', `/v2/apps${id}`);
      return sendDeployment(res, 201, result);
    }
    if (path.startsWith('/v2/apps/')) {
      const segments = path.slice('/v2/apps/'.length).split('/').map(decodeURIComponent);
      if (method === 'GET' && segments.at(-2) === 'versions') {
        const app = need(normaliseId(segments.slice(0, -2).join('/')));
        const def = app.versions.get(segments.at(-1)!);
        if (!def) throw new HttpError(404, { message: `App '${app.id}' does not exist in version ${segments.at(-1)}` });
        return send(res, 200, { ...def, version: segments.at(-1) });
      }
      if (method === 'GET' && segments.at(-1) === 'versions') {
        const app = need(normaliseId(segments.slice(0, -1).join('/')));
        return send(res, 200, { versions: [...app.versions.keys()].reverse() });
      }
      const id = normaliseId(segments.join('/'));
      if (method === 'GET') return send(res, 200, { app: appJson(need(id), new Set(url.searchParams.getAll('embed'))) });
      if (method === 'PUT') {
        putBodies.push(raw);
        const body = parseJson(raw);
        if (body.id !== undefined && normaliseId(String(body.id)) !== id) {
          throw new HttpError(422, { message: 'Object is not valid', details: [{ path: '/id', errors: ['App id in the body must match the URL'] }] });
        }
        if (next422 !== undefined) {
          const once = next422;
          next422 = undefined;
          throw new HttpError(422, once);
        }
        // PUT is a PARTIAL update unless partialUpdate=false (marathon-api.md).
        const partial = url.searchParams.get('partialUpdate') !== 'false';
        const result = engine.put(id, body, { partial, force, validate: (d, previous) => validate(d, previous) });
        return sendDeployment(res, result.status, result);
      }
      if (method === 'DELETE') return sendDeployment(res, 200, engine.remove(id, force));
    }
    throw new HttpError(404, { message: `No route for ${method} ${url.pathname}` });
  }

  function validate(def: Record<string, unknown>, previous: Record<string, unknown> | undefined): void {
    const details = validateApp(def, version, { previous, features: options.features ?? [] });
    if (details.length > 0) throw new HttpError(422, invalidBody(details, version));
  }

  function need(id: string): App {
    const app = engine.apps.get(id);
    if (!app) throw new HttpError(404, { message: `App '${id}' does not exist` });
    return app;
  }

  function appJson(app: App, embed: Set<string>): Record<string, unknown> {
    return {
      ...app.def,
      id: app.id,
      version: app.version,
      versionInfo: app.versionInfo,
      // Marathon always lists an app's running deployments in a single-app GET.
      deployments: faults.reloading ? [] : engine.runningDeployments(app.id).map((d) => ({ id: d.id })),
      ...(embed.has('app.counts') ? engine.counts(app) : {}),
      ...(embed.has('app.lastTaskFailure') && app.lastTaskFailure ? { lastTaskFailure: app.lastTaskFailure } : {}),
      ...(embed.has('app.tasks') ? { tasks: app.tasks.map((t) => taskJson(app, t)) } : {}),
      ...(embed.has('app.taskStats') ? { taskStats: taskStats(app) } : {}),
    };
  }

  /**
   * mesosphere/marathon src/main/scala/mesosphere/marathon/raml/TaskConversion.scala: an
   * active task carries its ports (host ports), stagedAt, startedAt and the `version` of the
   * app it was launched with; healthCheckResults as raml/HealthConversion.scala writes
   * core/health/Health.scala.
   */
  function taskJson(app: App, t: Task): Record<string, unknown> {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      id: t.id,
      appId: app.id,
      host: engine.agentHost,
      slaveId: AGENT_ID,
      ipAddresses: [],
      ports: t.ports,
      servicePorts: [],
      state: t.state === 'staging' ? 'TASK_STAGING' : t.state === 'killing' ? 'TASK_KILLING' : 'TASK_RUNNING',
      stagedAt: iso(t.stagedAt),
      ...(t.state === 'staging' ? {} : { startedAt: iso(t.startedAt) }),
      version: t.version,
      // raml/TaskConversion.scala: the volumes of the task's reservation, each as
      // core/instance/LocalVolume.scala writes its LocalVolumeId.
      localVolumes: (t.reservation?.volumes ?? []).map((v) => ({ containerPath: v.containerPath, persistenceId: v.persistenceId })),
      healthCheckResults: t.health
        .filter((h) => h.lastSuccess !== undefined || h.lastFailure !== undefined)
        .map((h) => ({
          alive: h.lastSuccess !== undefined && (h.lastFailure === undefined || h.lastSuccess > h.lastFailure),
          consecutiveFailures: h.consecutiveFailures,
          firstSuccess: iso(h.firstSuccess),
          lastFailure: iso(h.lastFailure),
          lastSuccess: iso(h.lastSuccess),
          lastFailureCause: h.lastFailureCause ?? null,
          instanceId: t.instanceId,
        })),
    };
  }

  /**
   * mesosphere/marathon src/main/scala/mesosphere/marathon/core/appinfo/TaskStatsByVersion.scala
   * (written by api/v2/json/Formats.scala, TaskStatsByVersionWrites): tasks grouped by the
   * version they run against versionInfo; a group without tasks is left out.
   */
  function taskStats(app: App): Record<string, unknown> {
    const group = (tasks: Task[]) => {
      if (tasks.length === 0) return undefined;
      const c = engine.counts({ ...app, tasks });
      return { stats: { counts: { staged: c.tasksStaged, running: c.tasksRunning, healthy: c.tasksHealthy, unhealthy: c.tasksUnhealthy } } };
    };
    const at = (v: string) => Date.parse(v);
    const entries: Array<[string, Task[]]> = [
      ['startedAfterLastScaling', app.tasks.filter((t) => at(t.version) >= at(app.versionInfo.lastScalingAt))],
      ['withLatestConfig', app.tasks.filter((t) => at(t.version) >= at(app.versionInfo.lastConfigChangeAt))],
      ['withOutdatedConfig', app.tasks.filter((t) => at(t.version) < at(app.versionInfo.lastConfigChangeAt))],
      ['totalSummary', app.tasks],
    ];
    return Object.fromEntries(entries.flatMap(([k, tasks]) => {
      const g = group(tasks);
      return g ? [[k, g]] : [];
    }));
  }

  function authorised(req: IncomingMessage, res: ServerResponse, method: string): boolean {
    const auth = options.auth;
    if (!auth) return true;
    const header = req.headers.authorization ?? '';
    let user: string | undefined;
    if (auth.basic && header.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(header.slice(6), 'base64').toString().split(':');
      if (u === auth.basic.user && rest.join(':') === auth.basic.password) user = u;
    } else if (auth.token && header === `token=${auth.token}`) {
      user = 'token';
    }
    if (!user) {
      res.setHeader('www-authenticate', 'Basic realm="Mesosphere Marathon"');
      send(res, 401, { message: 'Invalid username or password.' });
      return false;
    }
    if (method !== 'GET' && auth.readOnlyUsers?.includes(user)) {
      send(res, 403, { message: `Not Authorized to perform this action!` });
      return false;
    }
    return true;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  engine.start();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    engine,
    events,
    faults,
    app: (appId) => engine.apps.get(appId),
    async close() {
      events.cut();
      await engine.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function normaliseId(id: string): string {
  return `/${id.replace(/^\/+|\/+$/g, '')}`;
}

function parseJson(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, { message: 'Invalid JSON', details: [{ path: '/', errors: ['error.expected.jsobject'] }] });
}

function readRaw(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendDeployment(res: ServerResponse, status: number, ref: { deploymentId: string; version: string }): void {
  res.setHeader('marathon-deployment-id', ref.deploymentId);
  send(res, status, { deploymentId: ref.deploymentId, version: ref.version });
}
