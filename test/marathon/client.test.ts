/**
 * MarathonClient against real HTTP servers on port 0: the Marathon stand-in (in-process
 * tasks) for the API behaviour, and a tiny scripted node:http server for the bodies of other
 * Marathon versions. No fetch mocks.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MarathonClient, appPath } from '../../src/marathon/client.js';
import { MarathonError, MarathonInvalidError, MarathonLockedError } from '../../src/marathon/errors.js';
import { startMarathonStandin, type MarathonStandin } from '../support/marathon-standin/index.js';
import { startInProcessStandin } from './in-process-standin.js';

const APP = {
  id: '/payments/orders',
  cpus: 0.1,
  mem: 64,
  instances: 1,
  container: { type: 'DOCKER', docker: { image: 'standin/healthy:1' }, portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }] },
  networks: [{ mode: 'container/bridge' }],
};

/** A server that answers each request with the next scripted reply and records requests. */
async function scripted(replies: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>) {
  const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
  const server = createServer((req, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const reply = replies.shift() ?? { status: 500, body: { message: 'script exhausted' } };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A port nobody listens on: bound by the kernel, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function caught(promise: Promise<unknown>): Promise<MarathonError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MarathonError) return error;
    throw error;
  }
  throw new Error('expected a MarathonError');
}

/** Everything a user could see of an error: message, hint, details, command. */
function printed(error: MarathonError): string {
  return [error.message, error.hint ?? '', ...error.details, error.command ?? ''].join('\n');
}

describe('MarathonClient against the stand-in', () => {
  let standin: MarathonStandin;
  let client: MarathonClient;
  beforeAll(async () => {
    ({ standin, client } = await startInProcessStandin());
  });
  afterAll(() => standin.close());

  it('info() returns the version', async () => {
    expect((await client.info()).version).toBe('1.7.236');
  });

  it('creates with 201 and updates with 200, sending partialUpdate=false (a plain PUT merges)', async () => {
    const created = await client.putApp(APP.id, APP);
    expect(created.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(standin.faults.log.at(-1)).toBe('PUT /v2/apps/payments/orders?partialUpdate=false');
    standin.engine.release(created.deploymentId);
    // Drop `networks`: a full replacement removes it, a merge would have kept it.
    const { networks: _n, ...withoutNetworks } = APP;
    const updated = await client.putApp(APP.id, { ...withoutNetworks, mem: 128 }, { force: true });
    expect(standin.faults.log.at(-1)).toBe('PUT /v2/apps/payments/orders?partialUpdate=false&force=true');
    const app = await client.getApp(APP.id);
    expect(app?.version).toBe(updated.version);
    expect(app?.mem).toBe(128);
    expect(app).not.toHaveProperty('networks');
    expect(standin.faults.log.at(-1)).toBe('GET /v2/apps/payments/orders?embed=app.tasks&embed=app.counts&embed=app.taskStats&embed=app.lastTaskFailure');
    expect(app).toHaveProperty('tasksHealthy');
  });

  it('pins the stand-in: a PUT without partialUpdate=false merges', async () => {
    const res = await fetch(`${standin.url}/v2/apps/payments/orders?force=true`, { method: 'PUT', body: JSON.stringify({ cpus: 0.2 }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('marathon-deployment-id')).toMatch(/[0-9a-f-]{36}/);
    const app = await client.getApp(APP.id);
    expect(app).toMatchObject({ cpus: 0.2, mem: 128 });
  });

  it('rollback() sends exactly {id, version}', async () => {
    const versions = await client.listVersions(APP.id);
    expect(versions.length).toBeGreaterThanOrEqual(3);
    const oldest = versions.at(-1)!;
    expect(await client.getVersion(APP.id, oldest)).toMatchObject({ mem: 64 });
    const ref = await client.rollback(APP.id, oldest, { force: true });
    expect(JSON.parse(String(standin.faults.putBodies.at(-1)))).toStrictEqual({ id: APP.id, version: oldest });
    expect((await client.getApp(APP.id))?.version).toBe(ref.version);
    expect((await client.getApp(APP.id))?.mem).toBe(64);
  });

  it('pins the stand-in: version beside other fields is a 422', async () => {
    const versions = await client.listVersions(APP.id);
    const error = await caught(client.putApp(APP.id, { id: APP.id, version: versions[0], mem: 64 }, { force: true }));
    expect(error).toBeInstanceOf(MarathonInvalidError);
  });

  it('409 locked names the deployments holding the app', async () => {
    const holder = standin.engine.hold(APP.id);
    const error = await caught(client.putApp(APP.id, APP));
    standin.engine.release(holder);
    expect(error).toBeInstanceOf(MarathonLockedError);
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_LOCKED');
    expect((error as MarathonLockedError).deploymentIds).toContain(holder);
    expect(error.message).toContain(holder);
    expect(error.message).toContain('/payments/orders');
  });

  it('422 from the stand-in (1.x body) lists each field path', async () => {
    const error = await caught(client.putApp(APP.id, { ...APP, upgradeStrategy: { minimumHealthCapacity: 1.5 } }, { force: true }));
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_INVALID');
    expect(error.details.join('\n')).toContain('/upgradeStrategy/minimumHealthCapacity');
  });

  it('400 on invalid JSON, 404 on unknown app (getApp: undefined)', async () => {
    const res = await fetch(`${standin.url}/v2/apps/x`, { method: 'PUT', body: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: 'Invalid JSON' });
    expect(await client.getApp('/nothing/here')).toBeUndefined();
    const error = await caught(client.listVersions('/nothing/here'));
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_NOT_FOUND');
    expect(error.message).toContain('/nothing/here');
  });

  it('retries idempotent calls on 5xx, bounded', async () => {
    standin.faults.failNext(2, 503);
    expect((await client.info()).version).toBe('1.7.236');
    standin.faults.failNext(5, 503);
    const error = await caught(client.info());
    expect(error.status).toBe(503);
    expect(standin.faults.log.filter((l) => l === 'GET /v2/info').length).toBeGreaterThanOrEqual(6);
    standin.faults.failNext(0);
  });

  it('does not retry DELETE of an app (a repeat would 404)', async () => {
    const before = standin.faults.log.length;
    standin.faults.failNext(1, 503);
    const error = await caught(client.deleteApp(APP.id));
    expect(error.status).toBe(503);
    expect(standin.faults.log.length - before).toBe(1);
  });

  it('unreachable names the URL and the cause', async () => {
    standin.faults.unreachable = true;
    try {
      const error = await caught(new MarathonClient({ url: standin.url, retry: { attempts: 2, baseDelayMs: 1 } }).info());
      expect(error.code).toBe('SHOVEL_ERR_MARATHON_UNREACHABLE');
      expect(error.message).toMatch(new RegExp(`^Marathon at ${standin.url} unreachable: `));
    } finally {
      standin.faults.unreachable = false;
    }
    const port = await freePort();
    const closed = await caught(new MarathonClient({ url: `http://127.0.0.1:${port}`, retry: { attempts: 1, baseDelayMs: 1 } }).info());
    expect(closed.message).toContain('ECONNREFUSED');
  });

  it('events() yields parsed SSE events', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of client.events({ signal: controller.signal })) {
        seen.push(event.eventType);
        if (event.eventType === 'deployment_info') break;
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await client.scale(APP.id, 1, { force: true });
    await reading;
    controller.abort();
    expect(seen).toEqual(['event_stream_attached', 'deployment_info']);
  });
});

describe('MarathonClient auth', () => {
  let standin: MarathonStandin;
  beforeAll(async () => {
    standin = await startMarathonStandin({ runner: 'in-process', auth: { basic: { user: 'deployer', password: 's3cr3t-pw' }, token: 'tok-123456', readOnlyUsers: ['token'] } });
  });
  afterAll(() => standin.close());

  it('basic auth works', async () => {
    const client = new MarathonClient({ url: standin.url, auth: { kind: 'basic', user: 'deployer', password: 's3cr3t-pw' } });
    expect((await client.info()).version).toBe('1.7.236');
  });

  it('401 names the user, never the password', async () => {
    const client = new MarathonClient({ url: standin.url, auth: { kind: 'basic', user: 'deployer', password: 'wrong-pw-xyz' } });
    const error = await caught(client.info());
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_AUTH');
    expect(error.message).toContain('user "deployer"');
    expect(printed(error)).not.toContain('wrong-pw-xyz');
    expect(printed(error)).not.toContain(Buffer.from('deployer:wrong-pw-xyz').toString('base64'));
  });

  it('sends DC/OS tokens as "token=", and 403 says the token was refused without printing it', async () => {
    const client = new MarathonClient({ url: standin.url, auth: { kind: 'token', token: 'tok-123456' } });
    expect((await client.info()).version).toBe('1.7.236');
    const error = await caught(client.putApp('/a', { id: '/a' }));
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_FORBIDDEN');
    expect(error.message).toContain('the DC/OS token');
    expect(printed(error)).not.toContain('tok-123456');
  });

  it('401 without credentials says none were given', async () => {
    const error = await caught(new MarathonClient({ url: standin.url }).info());
    expect(error.message).toContain('none were given');
  });

  it('refuses a URL with credentials in it', () => {
    expect(() => new MarathonClient({ url: 'http://u:p@127.0.0.1:1' })).toThrow(/must not contain credentials/);
  });
});

describe('MarathonClient error bodies of each Marathon version', () => {
  let server: Awaited<ReturnType<typeof scripted>> | undefined;
  let server2: Awaited<ReturnType<typeof scripted>> | undefined;
  afterEach(async () => {
    await server?.close();
    await server2?.close();
    server2 = undefined;
  });

  it.each([
    [
      '1.x details[{path, errors}]',
      { message: 'Object is not valid', details: [{ path: '/upgradeStrategy/minimumHealthCapacity', errors: ['is greater than 1'] }, { path: '/id', errors: ['bad', 'worse'] }] },
      ['/upgradeStrategy/minimumHealthCapacity: is greater than 1', '/id: bad', '/id: worse'],
    ],
    ['0.15 details[{attribute, error}]', { message: 'Object is not valid', details: [{ attribute: 'upgradeStrategy.minimumHealthCapacity', error: 'is greater than 1' }] }, ['upgradeStrategy.minimumHealthCapacity: is greater than 1']],
    ['0.11 errors[{attribute, error}]', { errors: [{ attribute: 'id', error: 'contains invalid characters' }] }, ['id: contains invalid characters']],
  ])('422 %s', async (_name, body, details) => {
    server = await scripted([{ status: 422, body }]);
    const error = await caught(new MarathonClient({ url: server.url }).putApp('/a', { id: '/a' }));
    expect(error).toBeInstanceOf(MarathonInvalidError);
    expect(error.details).toEqual(details);
    expect(error.message).toContain('app /a');
  });

  it('backoff grows between retries and stops after the bound', async () => {
    server = await scripted([{ status: 502 }, { status: 503 }, { status: 500 }, { status: 200, body: { version: '1.10.0' } }]);
    const started = Date.now();
    const info = await new MarathonClient({ url: server.url, retry: { attempts: 4, baseDelayMs: 40 } }).info();
    expect(info.version).toBe('1.10.0');
    // Equal jitter: at least 20 + 40 + 80 ms in total.
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.seen).toHaveLength(4);
  });

  it('scale() is a partial update of instances only; force only when asked', async () => {
    server = await scripted([{ status: 200, body: { deploymentId: 'd1', version: '2024-01-01T00:00:00.000Z' } }]);
    const ref = await new MarathonClient({ url: server.url }).scale('/a/b', 0);
    expect(ref).toEqual({ deploymentId: 'd1', version: '2024-01-01T00:00:00.000Z' });
    expect(server.seen[0]).toMatchObject({ method: 'PUT', url: '/v2/apps/a/b', body: '{"instances":0}' });
  });

  it('a path prefix in the URL is kept (DC/OS /service/marathon)', async () => {
    server = await scripted([{ status: 200, body: { version: '1.11.0' } }]);
    await new MarathonClient({ url: `${server.url}/service/marathon/` }).info();
    expect(server.seen[0]!.url).toBe('/service/marathon/v2/info');
  });

  it('secrets echoed by a server are redacted', async () => {
    server = await scripted([{ status: 500, body: { message: 'bad header Basic ZGVwbG95ZXI6aHVudGVyMg== password hunter2' } }]);
    const error = await caught(new MarathonClient({ url: server.url, auth: { kind: 'basic', user: 'deployer', password: 'hunter2' }, retry: { attempts: 1, baseDelayMs: 1 } }).info());
    expect(printed(error)).not.toContain('hunter2');
    expect(printed(error)).not.toContain('ZGVwbG95ZXI6aHVudGVyMg==');
  });

  it('an HTML page (proxy or login page) is named, never echoed: it may quote the request headers', async () => {
    server = await scripted([{ status: 502, body: '<html><body>Authorization: Basic ZGVwbG95ZXI6aHVudGVyMg==</body></html>', headers: { 'content-type': 'text/html' } }]);
    const error = await caught(new MarathonClient({ url: server.url, auth: { kind: 'basic', user: 'deployer', password: 'hunter2' }, retry: { attempts: 1, baseDelayMs: 1 } }).info());
    expect(error.message).toBe(`Marathon answered 502 to GET /v2/info: HTML (a proxy or login page?) instead of JSON.`);
    server2 = await scripted([{ status: 200, body: '<!doctype html><title>Sign in</title>', headers: { 'content-type': 'text/html' } }]);
    const ok = await caught(new MarathonClient({ url: server2.url }).info());
    expect(ok.message).toContain('HTML (a proxy or login page?) instead of JSON (status 200)');
  });

  it('a body that stalls after the headers is a lost reply naming the Marathon-Deployment-Id, not an empty one', async () => {
    const stalled = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100', 'marathon-deployment-id': 'dep-42' });
      res.write('{"deploymentId":');
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
      const error = await caught(new MarathonClient({ url, timeoutMs: 300 }).putApp('/a', { id: '/a' }));
      expect(error.code).toBe('SHOVEL_ERR_MARATHON_REPLY_LOST');
      expect(error.deploymentId).toBe('dep-42');
      expect(error.message).toContain('deployment dep-42');
    } finally {
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });

  it('bounded(): every request, retries included, ends by the bound however long Marathon hangs', async () => {
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      const started = Date.now();
      const error = await caught(new MarathonClient({ url, timeoutMs: 10_000, retry: { attempts: 4, baseDelayMs: 10 } }).bounded(Date.now() + 400).info());
      expect(Date.now() - started).toBeLessThan(1500);
      expect(error.status).toBe(0);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('a redirect within the Marathon origin is followed; to another origin it is named, not followed', async () => {
    server = await scripted([{ status: 200, body: { version: '1.10.0' } }]);
    server2 = await scripted([
      { status: 307, headers: { location: '/v2/info?again=1' } },
      { status: 200, body: { version: '1.9.0' } },
      { status: 302, headers: { location: `${server.url}/v2/info` } },
    ]);
    const client = new MarathonClient({ url: server2.url, auth: { kind: 'token', token: 'tok' }, retry: { attempts: 1, baseDelayMs: 1 } });
    expect((await client.info()).version).toBe('1.9.0');
    const error = await caught(client.info());
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_REDIRECT');
    expect(error.message).toContain(`redirected GET /v2/info to ${server.url}/v2/info, another origin: not followed`);
    expect(server.seen).toHaveLength(0);
  });

  it('409 without deployments (POST of an existing app) is a plain conflict', async () => {
    server = await scripted([{ status: 409, body: { message: 'An app with id [/a] already exists.' } }]);
    const error = await caught(new MarathonClient({ url: server.url }).putApp('/a', { id: '/a' }));
    expect(error.code).toBe('SHOVEL_ERR_MARATHON_CONFLICT');
  });
});

describe('appPath', () => {
  it.each([
    ['/payments/orders', '/v2/apps/payments/orders'],
    ['orders', '/v2/apps/orders'],
    ['/a.b/c-d', '/v2/apps/a.b/c-d'],
  ])('%s -> %s', (id, path) => expect(appPath(id)).toBe(path));
});
