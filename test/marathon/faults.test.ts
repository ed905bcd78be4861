/**
 * Faults real clusters produce and the stand-in does not: a scripted Marathon on 127.0.0.1
 * port 0 whose state (app, versions, deployments, tasks) each test drives by hand. Reply
 * shapes follow Marathon 1.x:
 * - PUT /v2/apps/{id}: {deploymentId, version} + header Marathon-Deployment-Id
 *   (api/v2/AppsResource.scala); a body {id, version} is a rollback (api/v2/AppHelpers.scala).
 * - GET /v2/apps/{id}: {app} with tasks, counts, deployments and lastTaskFailure embedded
 *   (AppsResource.show always embeds them); each task carries `version`, `state` and
 *   `healthCheckResults[{alive}]` (raml/TaskConversion.scala).
 * - GET /v2/deployments: running deployments with id, version, affectedApps
 *   (raml/DeploymentPlanConversion.scala); a force-cancel removes one and leaves the tasks as
 *   they are (api/v2/DeploymentsResource.scala).
 * - 409 {message, deployments[{id}]} for a locked app (marathon-api.md).
 * - /v2/events: SSE; instance events name the app `runSpecId` (api/v2/json/Formats.scala).
 * Each test asserts the final state, the outcome, a (generous) time bound and that no output
 * carries credential text.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { shovelConfigSchema } from '../../src/config/schema.js';
import { ShovelError } from '../../src/errors.js';
import { MarathonClient } from '../../src/marathon/client.js';
import { deployToMarathon, type DeployOptions } from '../../src/marathon/deploy.js';
import { followEvents } from '../../src/marathon/events.js';
import { renderAppDefinition } from '../../src/marathon/render.js';
import { waitForDeployment } from '../../src/marathon/wait.js';
import type { ReleaseRecord } from '../../src/release/record.js';
import { Redactor } from '../../src/release/redact.js';
import { rollbackMarathon } from '../../src/release/rollback.js';
import { Progress } from '../../src/ui/progress.js';
import { PassThrough } from 'node:stream';
import { QUICK_SERVICE } from './in-process-standin.js';

const USER = 'deployer';
const PASSWORD = 'pa<ss>&"word-42';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const APP_ID = '/faults/svc';

interface Task {
  id: string;
  version: string;
  state: string;
  healthCheckResults: Array<{ alive: boolean }>;
  startedAt: string;
}

interface Deployment {
  id: string;
  version: string;
  affectedApps: string[];
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => boolean | Promise<boolean>;

/** A Marathon whose every state change is the test's. */
class FakeMarathon {
  app: { def: Record<string, unknown>; version: string; lastConfigChangeAt: string; tasks: Task[]; lastTaskFailure?: Record<string, unknown> } | undefined;
  readonly versions = new Map<string, Record<string, unknown>>();
  deployments: Deployment[] = [];
  /** Hides deployments from GET /v2/deployments and the app's embed (a new leader reloading). */
  hideDeployments = false;
  /** Answer 401 to everything (credentials expired). */
  expired = false;
  readonly log: string[] = [];
  readonly putBodies: Array<Record<string, unknown>> = [];
  /** Runs before the default handling; true = handled. */
  intercept: Handler | undefined;
  /** Called after a PUT changed the app, with its deployment. */
  onDeploy: (d: Deployment, kind: 'update' | 'rollback' | 'scale') => void = (d) => this.converge(d, 'healthy', 50);
  readonly eventStreams = new Set<ServerResponse>();
  url = '';
  private clock = Date.parse('2030-01-01T00:00:00.000Z');
  private ids = 0;
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private readonly sockets = new Set<Socket>();

  async start(): Promise<this> {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  nextVersion(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  task(version: string, alive = true, state = 'TASK_RUNNING'): Task {
    return { id: `svc.${++this.ids}`, version, state, healthCheckResults: [{ alive }], startedAt: new Date(this.clock).toISOString() };
  }

  /** An app already running `instances` healthy tasks of its first version. */
  seed(def: Record<string, unknown>): string {
    const version = this.nextVersion();
    this.versions.set(version, def);
    this.app = { def, version, lastConfigChangeAt: version, tasks: Array.from({ length: Number(def.instances) }, () => this.task(version)) };
    return version;
  }

  /** After `ms`, the deployment's tasks become `outcome` and (when healthy) it ends. */
  converge(d: Deployment, outcome: 'healthy' | 'never', ms: number): void {
    setTimeout(() => {
      if (!this.app || !this.deployments.some((x) => x.id === d.id)) return;
      const n = Number(this.app.def.instances ?? 1);
      if (outcome === 'healthy') {
        this.app.tasks = Array.from({ length: n }, () => this.task(d.version));
        this.deployments = this.deployments.filter((x) => x.id !== d.id);
      } else {
        this.app.tasks = [...this.app.tasks.filter((t) => t.version !== d.version), this.task(d.version, false)];
        this.app.lastTaskFailure = { state: 'TASK_FAILED', message: 'crashed on purpose', timestamp: new Date(this.clock).toISOString(), version: d.version };
      }
    }, ms);
  }

  emit(eventType: string, data: Record<string, unknown>): void {
    for (const res of this.eventStreams) res.write(`event: ${eventType}\ndata: ${JSON.stringify({ ...data, eventType })}\n\n`);
  }

  appJson(): Record<string, unknown> | undefined {
    const app = this.app;
    if (!app) return undefined;
    const tasks = app.tasks;
    return {
      ...app.def,
      id: APP_ID,
      version: app.version,
      versionInfo: { lastConfigChangeAt: app.lastConfigChangeAt, lastScalingAt: app.version },
      tasks,
      tasksStaged: tasks.filter((t) => t.state === 'TASK_STAGING').length,
      tasksRunning: tasks.filter((t) => t.state === 'TASK_RUNNING').length,
      // App-wide, every version (core/appinfo/TaskCounts.scala).
      tasksHealthy: tasks.filter((t) => t.healthCheckResults.every((h) => h.alive)).length,
      tasksUnhealthy: tasks.filter((t) => t.healthCheckResults.some((h) => !h.alive)).length,
      deployments: this.hideDeployments ? [] : this.deployments.filter((d) => d.affectedApps.includes(APP_ID)).map((d) => ({ id: d.id })),
      ...(app.lastTaskFailure ? { lastTaskFailure: app.lastTaskFailure } : {}),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const body = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => resolve(data));
    });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.log.push(`${req.method} ${url.pathname}`);
    if (this.intercept && (await this.intercept(req, res, url, body))) return;
    if (this.expired || req.headers.authorization !== `Basic ${BASIC}`) {
      return send(res, 401, { message: 'Invalid username or password.' });
    }
    const path = url.pathname;
    if (path === '/v2/info') return send(res, 200, { name: 'marathon', version: '1.7.236' });
    if (path === '/v2/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': attached\n\n');
      this.eventStreams.add(res);
      res.on('close', () => this.eventStreams.delete(res));
      return;
    }
    if (path === '/v2/deployments' && req.method === 'GET') return send(res, 200, this.hideDeployments ? [] : this.deployments);
    const dep = /^\/v2\/deployments\/(.+)$/.exec(path);
    if (dep && req.method === 'DELETE') {
      const before = this.deployments.length;
      this.deployments = this.deployments.filter((d) => d.id !== dep[1]);
      if (before === this.deployments.length) return send(res, 404, { message: `DeploymentPlan ${dep[1]} does not exist` });
      res.writeHead(202).end();
      return;
    }
    // GET /v2/apps/{id}/versions: {versions: [...]}, newest first (api/v2/AppVersionsResource.scala).
    if (path === '/v2/apps/faults/svc/versions' && req.method === 'GET') return send(res, 200, { versions: [...this.versions.keys()].reverse() });
    const versionMatch = /^\/v2\/apps\/faults\/svc\/versions\/(.+)$/.exec(path);
    if (versionMatch && req.method === 'GET') {
      const def = this.versions.get(decodeURIComponent(versionMatch[1]!));
      return def ? send(res, 200, { ...def, id: APP_ID, version: versionMatch[1] }) : send(res, 404, { message: 'no such version' });
    }
    if (path === '/v2/apps/faults/svc' && req.method === 'GET') {
      const app = this.appJson();
      return app ? send(res, 200, { app }) : send(res, 404, { message: `App '${APP_ID}' does not exist` });
    }
    if (path === '/v2/apps/faults/svc' && req.method === 'PUT') {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      this.putBodies.push(parsed);
      const force = url.searchParams.get('force') === 'true';
      const holding = this.deployments.filter((d) => d.affectedApps.includes(APP_ID));
      if (holding.length && !force) {
        return send(res, 409, { message: "App is locked by one or more deployments. Override with the option '?force=true'.", deployments: holding.map((d) => ({ id: d.id })) });
      }
      this.deployments = this.deployments.filter((d) => !d.affectedApps.includes(APP_ID));
      const d = this.change(parsed);
      res.setHeader('marathon-deployment-id', d.id);
      return send(res, this.app ? 200 : 201, { deploymentId: d.id, version: d.version });
    }
    send(res, 404, { message: `no route ${req.method} ${path}` });
  }

  /** Applies a PUT body (definition, rollback {id, version} or scale {instances}). */
  change(body: Record<string, unknown>): Deployment {
    const version = this.nextVersion();
    let kind: 'update' | 'rollback' | 'scale' = 'update';
    let def: Record<string, unknown>;
    if (typeof body.version === 'string') {
      kind = 'rollback';
      def = this.versions.get(body.version)!;
    } else if (Object.keys(body).length === 1 && 'instances' in body) {
      kind = 'scale';
      def = { ...this.app!.def, instances: body.instances };
    } else {
      def = body;
    }
    this.versions.set(version, def);
    const lastConfigChangeAt = kind === 'scale' ? this.app!.lastConfigChangeAt : version;
    this.app = { def, version, lastConfigChangeAt, tasks: this.app?.tasks ?? [] };
    const d = { id: `dep-${++this.ids}`, version, affectedApps: [APP_ID] };
    this.deployments.push(d);
    this.onDeploy(d, kind);
    return d;
  }
}

function send(res: ServerResponse, status: number, body: unknown): boolean {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return true;
}

function config(url = '', instances = 2) {
  return shovelConfigSchema.parse({
    service: { id: 'svc', group: '/faults' },
    image: { repository: 'registry.invalid/svc' },
    resources: { cpus: 0.1, memory: 32, instances },
    ...QUICK_SERVICE,
    marathon: { url },
  });
}

function definition(image: string, instances = 2): Record<string, unknown> {
  return renderAppDefinition(config('', instances), { image, dialect: '1.x' });
}

const redactor = Redactor.fromEnv({ MARATHON_USER: USER, MARATHON_PASSWORD: PASSWORD });

/** Everything a user could see of an error, also after the sink's redaction. */
function printed(error: unknown): string {
  const e = error as ShovelError & { command?: string };
  return [e.message, e.hint ?? '', ...(e.details ?? []), e.command ?? ''].join('\n');
}

/** No credential text, in any form or long piece, survives. */
function expectNoSecrets(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(BASIC);
  expect(text).not.toContain(BASIC.slice(8, 24));
  expect(text).not.toContain('pa&lt;ss&gt;');
  expect(text).not.toContain(encodeURIComponent(PASSWORD));
  expect(redactor.text(text)).toBe(text);
}

async function outcome(promise: Promise<unknown>): Promise<{ error?: ShovelError; value?: unknown; ms: number }> {
  const started = Date.now();
  try {
    const value = await promise;
    return { value, ms: Date.now() - started };
  } catch (error) {
    return { error: error as ShovelError, ms: Date.now() - started };
  }
}

/** What the app serves: every task's definition image and health. */
function serving(fake: FakeMarathon): string[] {
  return fake.app!.tasks.map((t) => `${String((fake.versions.get(t.version)!.container as { docker: { image: string } }).docker.image)}${t.healthCheckResults.every((h) => h.alive) ? '' : ' (unhealthy)'}`).sort();
}

/** Our deployment runs `fault`; every later one (the rollback) becomes healthy in 50 ms. */
function ourDeploymentThenHealthy(fault: FakeMarathon['onDeploy']): FakeMarathon['onDeploy'] {
  let first = true;
  return (d, kind) => {
    if (!first) return fake.converge(d, 'healthy', 50);
    first = false;
    fault(d, kind);
  };
}

let fake: FakeMarathon;
const client = (options: { timeoutMs?: number } = {}) =>
  new MarathonClient({ url: fake.url, auth: { kind: 'basic', user: USER, password: PASSWORD }, retry: { attempts: 2, baseDelayMs: 5 }, ...options });
const deploy = (overrides: Partial<DeployOptions> = {}, c = client()) =>
  deployToMarathon(c, { appId: APP_ID, definition: definition('registry.invalid/svc:2'), deadlineMs: 6000, onFirstFailure: 'scale-to-zero', pollIntervalMs: 40, graceMs: 400, ...overrides });

afterEach(async () => {
  await fake?.close();
});

describe('false successes: gone is not success, app-wide counts are not ours', () => {
  it('leader failover: the state reload drops our running deployment for a while; wait, then succeed on the real outcome', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = (d) => {
      // Half-way, the new leader's list is empty for 700 ms (longer than the grace: the app
      // still lists nothing either), then the deployment is back and completes.
      setTimeout(() => {
        fake.app!.tasks = [fake.task(fake.versions.keys().next().value!), fake.task(d.version)];
        fake.hideDeployments = true;
      }, 50);
      setTimeout(() => (fake.hideDeployments = false), 300);
      fake.converge(d, 'healthy', 900);
    };
    const r = await outcome(deploy({ graceMs: 1000 }));
    expect(r.error).toBeUndefined();
    expect(r.ms).toBeGreaterThan(800);
    expect(serving(fake)).toEqual(['registry.invalid/svc:2', 'registry.invalid/svc:2']);
  });

  it('operator force-cancels our deployment while the new tasks crash-loop: exit 1, rolled back, old version serving', async () => {
    fake = await new FakeMarathon().start();
    const v1 = fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = ourDeploymentThenHealthy((d, kind) => {
      expect(kind).toBe('update');
      fake.converge(d, 'never', 30);
      // DELETE /v2/deployments/{id}?force=true: the deployment ends, the tasks stay.
      setTimeout(() => (fake.deployments = []), 150);
    });
    const r = await outcome(deploy());
    expect(r.error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(r.error?.message).toMatch(/cancelled/);
    expect(fake.putBodies.at(-1)).toEqual({ id: APP_ID, version: v1 });
    expect(serving(fake)).toEqual(['registry.invalid/svc:1', 'registry.invalid/svc:1']);
    expect(r.ms).toBeLessThan(6000);
    expectNoSecrets(printed(r.error));
  });

  it('cancelled half-way, one old and one new task healthy (tasksHealthy == instances): not success', async () => {
    fake = await new FakeMarathon().start();
    const v1 = fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = ourDeploymentThenHealthy((d) => {
      setTimeout(() => {
        fake.app!.tasks = [fake.task(v1), fake.task(d.version)];
        fake.deployments = [];
      }, 60);
    });
    const r = await outcome(deploy());
    expect(r.error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(r.error?.message).toContain('1/2 tasks of version');
    expect(serving(fake)).toEqual(['registry.invalid/svc:1', 'registry.invalid/svc:1']);
  });

  it('Marathon stores the definition but no deployment ever runs: not success, rolled back', async () => {
    fake = await new FakeMarathon().start();
    const v1 = fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = ourDeploymentThenHealthy((d) => {
      fake.deployments = fake.deployments.filter((x) => x.id !== d.id);
    });
    const r = await outcome(deploy());
    expect(r.error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(r.error?.message).toMatch(/no deployment of it ever ran/);
    expect(fake.putBodies.at(-1)).toEqual({ id: APP_ID, version: v1 });
    expect(serving(fake)).toEqual(['registry.invalid/svc:1', 'registry.invalid/svc:1']);
  });

  it('an autoscaler force-scales the app to 0 during our deployment: exit 1, its scale is not ours, nothing rolled back over it', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = (d, kind) => {
      if (kind !== 'update') return;
      setTimeout(() => {
        // PUT /v2/apps/{id}?force=true {"instances":0} by someone else.
        fake.deployments = [];
        fake.onDeploy = (s) => setTimeout(() => ((fake.app!.tasks = []), (fake.deployments = fake.deployments.filter((x) => x.id !== s.id))), 20);
        fake.change({ instances: 0 });
      }, 60);
      void d;
    };
    const r = await outcome(deploy());
    expect(r.error?.code).toBe('SHOVEL_ERR_MARATHON_SCALED');
    expect(r.error?.message).toMatch(/scaled the app to 0 instance/);
    expect(r.error?.message).toContain('Nothing was rolled back');
    expect(fake.putBodies).toHaveLength(1);
    expect(fake.app!.def.instances).toBe(0);
  });
});

describe('every failure after the PUT ends in a known state', () => {
  it('401 during the wait (credentials expired): the error names the deployment, the version left running and the commands', async () => {
    fake = await new FakeMarathon().start();
    const v1 = fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = (d) => {
      fake.converge(d, 'never', 20);
      setTimeout(() => (fake.expired = true), 100);
    };
    const r = await outcome(deploy({ deadlineMs: 4000 }));
    expect(r.error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED');
    // In the message itself, so that the --json record keeps it too.
    const text = r.error!.message;
    const dep = fake.deployments[0]!;
    expect(text).toContain(dep.id);
    expect(text).toContain(dep.version);
    expect(text).toContain(`shovel rollback ${v1} --force`);
    expect(text).toContain(`curl -fsS -X DELETE -u "$MARATHON_USER:$MARATHON_PASSWORD" '${fake.url}/v2/deployments/${dep.id}?force=true'`);
    expect(r.ms).toBeLessThan(4000 + 2500);
    expectNoSecrets(text);
  });

  it('a transient 401 window during the wait is ridden out', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = (d) => {
      setTimeout(() => (fake.expired = true), 30);
      setTimeout(() => (fake.expired = false), 500);
      fake.converge(d, 'healthy', 200);
    };
    const r = await outcome(deploy());
    expect(r.error).toBeUndefined();
    expect(serving(fake)).toEqual(['registry.invalid/svc:2', 'registry.invalid/svc:2']);
  });

  it('SIGINT during the wait: rolled back through the same gate, then interrupted (exit 130)', async () => {
    fake = await new FakeMarathon().start();
    const v1 = fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = ourDeploymentThenHealthy((d) => {
      fake.converge(d, 'never', 20);
    });
    const controller = new AbortController();
    const left: Array<string | undefined> = [];
    setTimeout(() => controller.abort(new Error('SIGINT')), 300);
    const r = await outcome(deploy({ signal: controller.signal, onLeftover: (w) => left.push(w) }));
    expect(r.error?.exitCode).toBe(130);
    expect(r.error?.message).toContain(`Rolled back to version ${v1}`);
    expect(fake.putBodies.at(-1)).toEqual({ id: APP_ID, version: v1 });
    expect(serving(fake)).toEqual(['registry.invalid/svc:1', 'registry.invalid/svc:1']);
    expect(fake.deployments).toEqual([]);
    // While it ran, a second interrupt would have named what was left.
    expect(left.find((w) => w?.includes('is running'))).toMatch(/shovel rollback .* --force/);
    expect(left.at(-1)).toBeUndefined();
  });

  it('a PUT whose reply is lost: the landed deployment is recognised as ours, not taken for a foreign lock', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = (d) => fake.converge(d, 'healthy', 1000);
    let puts = 0;
    fake.intercept = async (req, res, url, body) => {
      if (req.method !== 'PUT' || puts++ > 0) return false;
      // Marathon applies it; the connection dies before the reply.
      fake.putBodies.push(JSON.parse(body) as Record<string, unknown>);
      fake.change(JSON.parse(body) as Record<string, unknown>);
      res.socket?.destroy();
      void url;
      return true;
    };
    const r = await outcome(deploy());
    expect(r.error).toBeUndefined();
    const result = r.value as { deploymentId: string; version: string };
    expect(result.version).toBe(fake.app!.version);
    expect(result.deploymentId).toMatch(/^dep-/);
    expect(fake.putBodies).toHaveLength(1);
    expect(serving(fake)).toEqual(['registry.invalid/svc:2', 'registry.invalid/svc:2']);
  });

  it('a slow PUT (reply after the client gave up): the re-sent PUT meets our own deployment and adopts it', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    let puts = 0;
    fake.onDeploy = (d) => fake.converge(d, 'healthy', 600);
    fake.intercept = async (req, res, _url, body) => {
      if (req.method !== 'PUT' || puts++ > 0) return false;
      // The PUT is taken at once but the answer comes only after 1.5 s.
      setTimeout(() => {
        fake.putBodies.push(JSON.parse(body) as Record<string, unknown>);
        const d = fake.change(JSON.parse(body) as Record<string, unknown>);
        setTimeout(() => send(res, 200, { deploymentId: d.id, version: d.version }), 1000);
      }, 500);
      return true;
    };
    const r = await outcome(deploy({ deadlineMs: 8000 }, client({ timeoutMs: 300 })));
    expect(r.error).toBeUndefined();
    expect((r.value as { version: string }).version).toBe(fake.app!.version);
    expect(serving(fake)).toEqual(['registry.invalid/svc:2', 'registry.invalid/svc:2']);
  });

  it('a PUT answered 503 by a proxy although Marathon applied it: the re-sent PUT meets our own deployment (409) and adopts it', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    let puts = 0;
    fake.onDeploy = (d) => fake.converge(d, 'healthy', 400);
    fake.intercept = async (req, res, _url, body) => {
      if (req.method !== 'PUT' || puts++ > 0) return false;
      fake.putBodies.push(JSON.parse(body) as Record<string, unknown>);
      fake.change(JSON.parse(body) as Record<string, unknown>);
      return send(res, 503, { message: 'Could not proxy to leader' });
    };
    const r = await outcome(deploy());
    expect(r.error).toBeUndefined();
    expect((r.value as { version: string }).version).toBe(fake.app!.version);
    // Sent twice, one deployment: the second met the lock of the first and took it for ours.
    expect(fake.putBodies).toHaveLength(2);
    expect(fake.versions.size).toBe(2);
    expect(serving(fake)).toEqual(['registry.invalid/svc:2', 'registry.invalid/svc:2']);
  });

  it('a PUT whose body stalls after the Marathon-Deployment-Id header: an error, not an empty reply; the deployment is recognised', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    let puts = 0;
    let headerId = '';
    fake.intercept = async (req, res, _url, body) => {
      if (req.method !== 'PUT' || puts++ > 0) return false;
      fake.putBodies.push(JSON.parse(body) as Record<string, unknown>);
      const d = fake.change(JSON.parse(body) as Record<string, unknown>);
      headerId = d.id;
      res.writeHead(200, { 'content-type': 'application/json', 'marathon-deployment-id': d.id, 'content-length': '200' });
      res.write('{"deploymentId":');
      return true;
    };
    const r = await outcome(deploy({ deadlineMs: 6000 }, client({ timeoutMs: 400 })));
    expect(r.error).toBeUndefined();
    expect((r.value as { deploymentId: string }).deploymentId).toBe(headerId);
    expect(fake.putBodies).toHaveLength(1);
  });

  it('a Marathon that hangs after the PUT: --deadline bounds everything, the rollback included', async () => {
    fake = await new FakeMarathon().start();
    const v1 = fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = (d) => {
      fake.converge(d, 'never', 20);
      setTimeout(() => (fake.intercept = async () => true), 150);
    };
    const r = await outcome(deploy({ deadlineMs: 2000 }, client({ timeoutMs: 10_000 })));
    expect(r.error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED');
    expect(r.ms).toBeLessThan(2000 + 2500);
    expect(printed(r.error)).toContain(`shovel rollback ${v1} --force`);
    expectNoSecrets(printed(r.error));
  });

  it('never healthy and the rollback never healthy either: both within the one deadline', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = (d) => fake.converge(d, 'never', 20);
    const r = await outcome(deploy({ deadlineMs: 1500 }));
    expect(r.error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLBACK_FAILED');
    expect(r.ms).toBeLessThan(1500 + 1500);
  });

  it('a 503 window while waiting for a foreign lock is ridden out', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.deployments = [{ id: 'foreign-1', version: fake.nextVersion(), affectedApps: [APP_ID] }];
    let window = true;
    fake.intercept = async (req, res, url) => {
      if (window && req.method === 'GET' && url.pathname === '/v2/deployments') return send(res, 503, { message: 'Could not proxy to leader' });
      return false;
    };
    setTimeout(() => {
      window = false;
      fake.deployments = [];
    }, 500);
    const r = await outcome(deploy());
    expect(r.error).toBeUndefined();
    expect(serving(fake)).toEqual(['registry.invalid/svc:2', 'registry.invalid/svc:2']);
  });
});

describe('bounded work', () => {
  it('events of other apps (runSpecId, appId, plans) do not cause polls; at most about one poll a second', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = () => undefined;
    const d = fake.change(definition('registry.invalid/svc:2'));
    const flood = setInterval(() => {
      fake.emit('instance_changed_event', { runSpecId: '/other/app', condition: 'Running' });
      fake.emit('status_update_event', { appId: '/other/app', taskStatus: 'TASK_RUNNING' });
      fake.emit('deployment_info', { plan: { id: 'other-dep', affectedApps: ['/other/app'] } });
      fake.emit('event_stream_attached', { remoteAddress: '127.0.0.1' });
    }, 5);
    setTimeout(() => fake.converge(d, 'healthy', 0), 2500);
    const started = Date.now();
    const result = await waitForDeployment(client(), { appId: APP_ID, deploymentId: d.id, version: d.version, instances: 2, deadlineMs: 10_000, pollIntervalMs: 5000, graceMs: 0 });
    clearInterval(flood);
    expect(result.outcome).toBe('success');
    expect(result.eventWakeups).toBe(0);
    // Polls at 0 and 5 s only, or one more woken by a real event: never dozens.
    expect(result.polls).toBeLessThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(7000);
  });

  it('events of our app wake the wait, at most about once a second', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = () => undefined;
    const d = fake.change(definition('registry.invalid/svc:2'));
    const flood = setInterval(() => fake.emit('instance_health_changed_event', { runSpecId: APP_ID, healthy: false }), 5);
    setTimeout(() => fake.converge(d, 'healthy', 0), 2200);
    const started = Date.now();
    const result = await waitForDeployment(client(), { appId: APP_ID, deploymentId: d.id, version: d.version, instances: 2, deadlineMs: 10_000, pollIntervalMs: 20_000, graceMs: 0 });
    clearInterval(flood);
    const seconds = (Date.now() - started) / 1000;
    expect(result.outcome).toBe('success');
    expect(result.eventWakeups).toBeGreaterThan(10);
    expect(seconds).toBeLessThan(5);
    expect(result.polls).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
  });

  it('the event stream reconnect delay grows when every stream ends at once (cleanly)', async () => {
    fake = await new FakeMarathon().start();
    let connects = 0;
    fake.intercept = async (req, res, url) => {
      if (url.pathname !== '/v2/events') return false;
      connects++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`event: deployment_info\ndata: ${JSON.stringify({ plan: { id: 'x', affectedApps: [APP_ID] } })}\n\n`);
      return true;
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 3200);
    let hints = 0;
    await followEvents(client(), { appId: APP_ID, deploymentId: 'x', signal: controller.signal }, () => hints++);
    // 0, 0.5, 1.5, 3.5 s: a delay that did not grow would have connected ~7 times.
    expect(connects).toBeGreaterThanOrEqual(3);
    expect(connects).toBeLessThanOrEqual(4);
    expect(hints).toBe(connects);
  });
});

describe('credentials never reach the output', () => {
  it('a proxy error page echoing the request headers (cut at a limit) and an HTML-escaped password', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = (d) => {
      fake.converge(d, 'never', 20);
      setTimeout(() => {
        fake.intercept = async (req, res) => {
          if (req.method === 'GET' && req.url?.startsWith('/v2/apps')) {
            const page = `<html><body><h1>502 Bad Gateway</h1><pre>Authorization: ${req.headers.authorization}\nX-Pass: ${PASSWORD.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</pre></body></html>`;
            res.writeHead(502, { 'content-type': 'text/html' }).end(page);
            return true;
          }
          if (req.method === 'GET' && req.url === '/v2/deployments') {
            // A plain-text echo cut in the middle of the header value.
            const echo = `upstream said: Authorization: ${String(req.headers.authorization).slice(0, 20)}`;
            res.writeHead(500, { 'content-type': 'text/plain' }).end(echo);
            return true;
          }
          return false;
        };
      }, 100);
    };
    const progress: string[] = [];
    const r = await outcome(deploy({ deadlineMs: 2500, onProgress: (_n, _t, d) => progress.push(d) }));
    expect(r.error).toBeInstanceOf(ShovelError);
    expectNoSecrets(printed(r.error));
    expectNoSecrets(progress.join('\n'));
    // And the client's own wording of the HTML reply.
    const htmlError = await outcome(client().getApp(APP_ID));
    expect(htmlError.error?.message).toContain('HTML (a proxy or login page?) instead of JSON');
    expect(htmlError.error?.message).toContain('502');
    expectNoSecrets(printed(htmlError.error));
  });
});

describe('success is held and recorded only when real', () => {
  it('soak: a task that turns unhealthy right after the switch is caught', async () => {
    fake = await new FakeMarathon().start();
    fake.seed(definition('registry.invalid/svc:1'));
    fake.onDeploy = ourDeploymentThenHealthy((d) => {
      fake.converge(d, 'healthy', 50);
      // 300 ms after the switch, one new task fails its health check.
      setTimeout(() => (fake.app!.tasks[0]!.healthCheckResults = [{ alive: false }]), 350);
    });
    const r = await outcome(deploy({ soakMs: 800 }));
    expect(r.error?.code).toBe('SHOVEL_ERR_MARATHON_ROLLED_BACK');
    expect(r.error?.message).toContain('not healthy');
    expect(serving(fake)).toEqual(['registry.invalid/svc:1', 'registry.invalid/svc:1']);
  });

  it('shovel rollback goes back only to a release recorded healthy by the task-by-task gate', async () => {
    fake = await new FakeMarathon().start();
    const v1 = fake.seed(definition('registry.invalid/svc:1'));
    const v2 = fake.change(definition('registry.invalid/svc:2')).version;
    await new Promise((r) => setTimeout(r, 100));
    fake.change(definition('registry.invalid/svc:3'));
    await new Promise((r) => setTimeout(r, 100));
    const record = (image: string, appVersion: string, gate: boolean): ReleaseRecord => ({
      schemaVersion: 1,
      kind: 'release',
      outcome: 'healthy',
      service: 'svc',
      appId: APP_ID,
      target: 'marathon',
      image: { repository: 'registry.invalid/svc', tag: image.split(':')[1]!, ref: image },
      startedAt: new Date().toISOString(),
      steps: [],
      marathon: { url: fake.url, appVersion, ...(gate ? { healthGate: 'tasks' as const } : {}) },
    });
    // v2 was "healthy" by the old gate (app-wide counts): not trusted.
    const log = [record('registry.invalid/svc:1', v1, true), record('registry.invalid/svc:2', v2, false)];
    const stream = new PassThrough();
    stream.resume();
    const done = await rollbackMarathon({ config: config(fake.url), auth: { kind: 'basic', user: USER, password: PASSWORD }, log, deadlineMs: 5000, force: false, progress: new Progress({ stream, interactive: false }) });
    expect(done.version).toBe(v1);
    expect(fake.putBodies.at(-1)).toEqual({ id: APP_ID, version: v1 });
    expect(serving(fake)).toEqual(['registry.invalid/svc:1', 'registry.invalid/svc:1']);
  });

  it('shovel rollback whose PUT reply is lost: the landed rollback is recognised, not sent again', async () => {
    fake = await new FakeMarathon().start();
    const v1 = fake.seed(definition('registry.invalid/svc:1'));
    fake.change(definition('registry.invalid/svc:2'));
    await new Promise((r) => setTimeout(r, 100));
    fake.onDeploy = (d) => fake.converge(d, 'healthy', 800);
    fake.intercept = async (req, res, _url, body) => {
      if (req.method !== 'PUT') return false;
      fake.intercept = undefined;
      fake.putBodies.push(JSON.parse(body) as Record<string, unknown>);
      fake.change(JSON.parse(body) as Record<string, unknown>);
      res.socket?.destroy();
      return true;
    };
    const stream = new PassThrough();
    stream.resume();
    const done = await rollbackMarathon({ config: config(fake.url), auth: { kind: 'basic', user: USER, password: PASSWORD }, version: v1, log: [], deadlineMs: 5000, force: false, progress: new Progress({ stream, interactive: false }) });
    expect(done.version).toBe(v1);
    expect(done.appVersion).toBe(fake.app!.version);
    expect(fake.putBodies).toEqual([{ id: APP_ID, version: v1 }]);
    expect(serving(fake)).toEqual(['registry.invalid/svc:1', 'registry.invalid/svc:1']);
  });
});
