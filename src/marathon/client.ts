/**
 * A small Marathon REST client over Node's global fetch. It knows the API facts a release
 * must get right (../shared/reference/marathon-api.md): full replacement with
 * ?partialUpdate=false, rollback bodies of {id, version} only, counts and lastTaskFailure
 * embedded in GET app, and the version-dependent error bodies (./errors.ts).
 */
import { UsageError } from '../errors.js';
import { Redactor } from '../release/redact.js';
import { refTimeout } from '../util/timeout.js';
import { readEvents } from './events.js';
import {
  MarathonError,
  MarathonInvalidError,
  MarathonLockedError,
  fieldErrorsOf,
  isRecord,
  lockingDeploymentsOf,
  messageOf,
} from './errors.js';
import type {
  DeploymentRef,
  MarathonApp,
  MarathonAuth,
  MarathonDeployment,
  MarathonEvent,
  MarathonInfo,
} from './types.js';

export interface MarathonClientOptions {
  url: string;
  auth?: MarathonAuth;
  /** Per attempt. */
  timeoutMs?: number;
  /** For idempotent calls only (GET, and DELETE of a deployment). */
  retry?: { attempts: number; baseDelayMs: number };
  /** Epoch ms by which every request ends, retries included (see `bounded`). */
  until?: number;
}

interface RequestOptions {
  query?: Array<[string, string]>;
  body?: unknown;
  /** Safe to send twice: retried on 5xx and network errors. */
  idempotent: boolean;
  /** Turns a 404 into `undefined` instead of an error. */
  allow404?: boolean;
  /** Names the thing a 404 is about in the message. */
  subject?: string;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY = { attempts: 4, baseDelayMs: 250 };

export class MarathonClient {
  readonly url: string;
  private readonly auth: MarathonAuth | undefined;
  private readonly timeoutMs: number;
  private readonly retry: { attempts: number; baseDelayMs: number };
  private readonly until: number | undefined;
  private readonly redactor: Redactor;

  constructor(options: MarathonClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new UsageError('SHOVEL_ERR_MARATHON_URL', `Marathon URL "${options.url}" is not a URL.`);
    }
    // fetch refuses URLs with user:password, and a URL gets printed in messages: keep
    // credentials in `auth` only.
    if (parsed.username || parsed.password) {
      throw new UsageError('SHOVEL_ERR_MARATHON_URL', 'The Marathon URL must not contain credentials.', {
        hint: 'Pass them as basic auth or a token (MARATHON_USER/MARATHON_PASSWORD or MARATHON_TOKEN).',
      });
    }
    // Keep a path prefix (DC/OS serves Marathon under /service/marathon).
    this.url = parsed.toString().replace(/\/+$/, '');
    this.auth = options.auth;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.until = options.until;
    const auth = options.auth;
    this.redactor = new Redactor(auth?.kind === 'basic' ? [auth.password] : auth?.kind === 'token' ? [auth.token] : [], auth?.kind === 'basic' ? [`${auth.user}:${auth.password}`] : []);
  }

  /**
   * The same client with every request (each attempt, each retry delay) ending by `until`
   * (epoch ms): a deadline bounds the work, however Marathon behaves.
   */
  bounded(until: number): MarathonClient {
    return new MarathonClient({
      url: this.url,
      ...(this.auth ? { auth: this.auth } : {}),
      timeoutMs: this.timeoutMs,
      retry: this.retry,
      until: Math.min(until, this.until ?? Infinity),
    });
  }

  /** curl's auth option for this client's credential, by environment variable name only. */
  get curlAuth(): string | undefined {
    if (this.auth?.kind === 'basic') return '-u "$MARATHON_USER:$MARATHON_PASSWORD"';
    if (this.auth?.kind === 'token') return '-H "Authorization: token=$MARATHON_TOKEN"';
    return undefined;
  }

  /** Epoch ms by which requests of this client end (Infinity: no bound). */
  get deadline(): number {
    return this.until ?? Infinity;
  }

  async info(signal?: AbortSignal): Promise<MarathonInfo> {
    const body = await this.request('GET', '/v2/info', { idempotent: true, signal });
    if (!isRecord(body) || typeof body.version !== 'string') {
      throw this.badResponse('GET /v2/info', 'no "version" in the reply');
    }
    return body as MarathonInfo;
  }

  async getApp(appId: string, signal?: AbortSignal): Promise<MarathonApp | undefined> {
    const body = await this.request('GET', appPath(appId), {
      // Tasks (each with its version and health) are what the wait decides on; counts and
      // taskStats are app-wide summaries; lastTaskFailure is what a failure report prints.
      query: [
        ['embed', 'app.tasks'],
        ['embed', 'app.counts'],
        ['embed', 'app.taskStats'],
        ['embed', 'app.lastTaskFailure'],
      ],
      idempotent: true,
      allow404: true,
      signal,
    });
    if (body === undefined) return undefined;
    if (!isRecord(body) || !isRecord(body.app)) throw this.badResponse(`GET ${appPath(appId)}`, 'no "app" in the reply');
    return body.app as MarathonApp;
  }

  /**
   * Replaces the whole definition: a plain PUT would MERGE into the old one. Like every call
   * that starts a deployment, it is sent once: after a lost reply, a second PUT would find the
   * app locked by the first one's deployment. The caller finds out what happened
   * (src/marathon/deploy.ts).
   */
  async putApp(appId: string, definition: Record<string, unknown>, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<DeploymentRef> {
    const { path, query } = putAppRequest(appId, options);
    return this.deploymentRef('PUT', path, { query, body: definition, idempotent: false, subject: `app ${appId}`, signal: options.signal });
  }

  async listVersions(appId: string, signal?: AbortSignal): Promise<string[]> {
    const body = await this.request('GET', `${appPath(appId)}/versions`, { idempotent: true, subject: `app ${appId}`, signal });
    if (!isRecord(body) || !Array.isArray(body.versions)) throw this.badResponse(`GET ${appPath(appId)}/versions`, 'no "versions"');
    return body.versions.map(String);
  }

  async getVersion(appId: string, version: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const path = `${appPath(appId)}/versions/${encodeURIComponent(version)}`;
    const body = await this.request('GET', path, { idempotent: true, subject: `version ${version} of app ${appId}`, signal });
    if (!isRecord(body)) throw this.badResponse(`GET ${path}`, 'not an object');
    return body;
  }

  /**
   * Marathon 1.x accepts `version` only beside `id`: anything else in the body is a 422, and a
   * GET response PUT back would replay read-only fields.
   */
  async rollback(appId: string, version: string, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<DeploymentRef> {
    const query: Array<[string, string]> = options.force ? [['force', 'true']] : [];
    return this.deploymentRef('PUT', appPath(appId), { query, body: { id: appId, version }, idempotent: false, subject: `app ${appId}`, signal: options.signal });
  }

  async listDeployments(signal?: AbortSignal): Promise<MarathonDeployment[]> {
    const body = await this.request('GET', '/v2/deployments', { idempotent: true, signal });
    if (!Array.isArray(body)) throw this.badResponse('GET /v2/deployments', 'not a list');
    return body as MarathonDeployment[];
  }

  /** A partial update on purpose: only `instances` changes. Sent once (see putApp). */
  async scale(appId: string, instances: number, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<DeploymentRef> {
    const query: Array<[string, string]> = options.force ? [['force', 'true']] : [];
    return this.deploymentRef('PUT', appPath(appId), { query, body: { instances }, idempotent: false, subject: `app ${appId}`, signal: options.signal });
  }

  /** Not retried: a second DELETE after a lost reply would 404. */
  async deleteApp(appId: string, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<DeploymentRef> {
    const query: Array<[string, string]> = options.force ? [['force', 'true']] : [];
    return this.deploymentRef('DELETE', appPath(appId), { query, idempotent: false, subject: `app ${appId}`, signal: options.signal });
  }

  /**
   * With force, Marathon only cancels (202) and leaves the tasks as they are; without, it
   * starts a revert deployment, which on a first deploy can leave 0 instances. Returns false
   * when the deployment had already ended (404).
   */
  async cancelDeployment(deploymentId: string, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<boolean> {
    const query: Array<[string, string]> = options.force ? [['force', 'true']] : [];
    const body = await this.request('DELETE', `/v2/deployments/${encodeURIComponent(deploymentId)}`, {
      query,
      idempotent: true,
      allow404: true,
      signal: options.signal,
    });
    return body !== undefined;
  }

  /**
   * The event bus as parsed SSE events. Ends when the server closes the stream; the caller
   * decides whether to reconnect (slow consumers are dropped by Marathon, so a wait must never
   * depend on it).
   */
  async *events(options: { signal?: AbortSignal; eventTypes?: string[] } = {}): AsyncGenerator<MarathonEvent> {
    const query: Array<[string, string]> = (options.eventTypes ?? []).map((t) => ['event_type', t]);
    const url = this.urlOf('/v2/events', query);
    let response: Response;
    // No per-request timeout: the stream is meant to stay open, but not past the deadline.
    const bound = Number.isFinite(this.deadline) ? AbortSignal.timeout(Math.max(0, this.deadline - Date.now())) : undefined;
    const signal = bound && options.signal ? AbortSignal.any([options.signal, bound]) : (bound ?? options.signal);
    try {
      response = await fetch(url, { headers: this.headers({ accept: 'text/event-stream' }), redirect: 'manual', signal });
    } catch (error) {
      throw this.unreachable(error, options.signal);
    }
    if (!response.ok || !response.body) {
      const reply = await readBody(response, this.redactor).catch(() => ({ value: undefined, html: false }));
      throw this.httpError('GET', '/v2/events', response.status, reply, undefined);
    }
    yield* readEvents(response.body, signal);
  }

  private async deploymentRef(method: string, path: string, options: RequestOptions): Promise<DeploymentRef> {
    const { body, headers } = await this.requestWithHeaders(method, path, options);
    const deploymentId = isRecord(body) && typeof body.deploymentId === 'string' ? body.deploymentId : headers?.get('marathon-deployment-id');
    const version = isRecord(body) && typeof body.version === 'string' ? body.version : undefined;
    if (!deploymentId || !version) {
      throw this.badResponse(`${method} ${path}`, 'no deploymentId/version in the reply', deploymentId ?? undefined);
    }
    return { deploymentId, version };
  }

  private async request(method: string, path: string, options: RequestOptions): Promise<unknown> {
    return (await this.requestWithHeaders(method, path, options)).body;
  }

  private async requestWithHeaders(method: string, path: string, options: RequestOptions): Promise<{ body: unknown; headers?: Headers }> {
    const attempts = options.idempotent ? Math.max(1, this.retry.attempts) : 1;
    const command = requestLine({ method, path, query: options.query ?? [] });
    let lastError: MarathonError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const delay = backoffMs(this.retry.baseDelayMs, attempt - 1);
        if (Date.now() + delay >= this.deadline) break;
        await sleep(delay, options.signal).catch(() => undefined);
        if (options.signal?.aborted) throw this.unreachable(options.signal.reason, options.signal);
      }
      const left = this.deadline - Date.now();
      if (left <= 0) {
        lastError ??= new MarathonError('SHOVEL_ERR_MARATHON_DEADLINE', 0, `No time left before the deadline for ${method} ${path} to Marathon at ${this.url}.`, { command: this.redactor.text(command) });
        break;
      }
      const timeoutMs = Math.min(this.timeoutMs, left);
      const timeout = refTimeout(timeoutMs, options.signal);
      let response: Response | undefined;
      try {
        response = await this.fetchFollowingSameOrigin(this.urlOf(path, options.query ?? []), method, options, timeout.signal);
        const reply = await readBody(response, this.redactor);
        if (response.ok) {
          if (reply.html) throw this.badResponse(`${method} ${path}`, `HTML (a proxy or login page?) instead of JSON (status ${response.status})`);
          return { body: reply.value, headers: response.headers };
        }
        if (response.status === 404 && options.allow404) return { body: undefined };
        lastError = this.httpError(method, path, response.status, reply, options.subject, command);
        // 5xx covers 503 (no leader, leader election, timeouts): worth another try.
        if (response.status < 500) break;
      } catch (error) {
        if (error instanceof MarathonError) throw error;
        // Headers may have arrived (with the deployment id) while the body did not: that is a
        // lost reply, never an empty one.
        lastError = this.unreachable(error, options.signal, timeoutMs, response ? { status: response.status, headers: response.headers, method, path } : undefined);
        if (options.signal?.aborted) break;
      } finally {
        timeout.clear();
      }
    }
    throw lastError!;
  }

  /**
   * Redirects are followed only within the configured Marathon's origin; anywhere else is
   * named, not followed (the Authorization header must not travel to another host).
   */
  private async fetchFollowingSameOrigin(url: string, method: string, options: RequestOptions, signal: AbortSignal): Promise<Response> {
    const origin = new URL(this.url).origin;
    let target = url;
    for (let hop = 0; ; hop++) {
      const response = await fetch(target, {
        method,
        headers: this.headers(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: 'manual',
        signal,
      });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.body?.cancel().catch(() => undefined);
      const next = new URL(location, target);
      if (next.origin !== origin || hop >= 3) {
        throw new MarathonError(
          'SHOVEL_ERR_MARATHON_REDIRECT',
          response.status,
          `Marathon at ${this.url} redirected ${method} ${new URL(target).pathname} to ${next.origin}${next.pathname}${next.origin === origin ? ' too many times' : ', another origin: not followed'}.`,
          { hint: 'If that is where Marathon answers, set marathon.url to it; a login page in between needs MARATHON_TOKEN or MARATHON_USER/MARATHON_PASSWORD.' },
        );
      }
      target = next.toString();
    }
  }

  private urlOf(path: string, query: Array<[string, string]>): string {
    return `${this.url}${path}${query.length ? `?${new URLSearchParams(query)}` : ''}`;
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.auth?.kind === 'basic') {
      headers.authorization = `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}`;
    } else if (this.auth?.kind === 'token') {
      // DC/OS ACS tokens use this scheme, not "Bearer".
      headers.authorization = `token=${this.auth.token}`;
    }
    return headers;
  }

  /** Which credential was used, for messages: never the secret itself. */
  private credential(): string {
    if (this.auth?.kind === 'basic') return `user "${this.auth.user}"`;
    if (this.auth?.kind === 'token') return 'the DC/OS token';
    return 'no credentials';
  }

  /** Servers sometimes echo what they were sent: scrub secrets from anything we print. */
  private redact(text: string): string {
    return this.redactor.text(text);
  }

  private httpError(method: string, path: string, status: number, reply: Reply, subject: string | undefined, command = `${method} ${path}`): MarathonError {
    const body = reply.value;
    const where = `${method} ${path}`;
    // A page that is not Marathon's JSON (a proxy's error page may quote the request headers,
    // credentials included): say what it is, never what it says.
    const said = reply.html ? 'HTML (a proxy or login page?) instead of JSON' : messageOf(body);
    const opts = { command: this.redact(command) };
    switch (status) {
      case 409: {
        const ids = lockingDeploymentsOf(body);
        if (ids.length === 0) {
          return new MarathonError('SHOVEL_ERR_MARATHON_CONFLICT', 409, this.redact(`Marathon refused ${where} (409): ${said ?? 'conflict'}`), opts);
        }
        return new MarathonLockedError(
          `${capitalise(subject ?? 'the app')} is locked by deployment${ids.length > 1 ? 's' : ''} ${ids.join(', ')} (409).`,
          ids,
          {
            ...opts,
            hint: 'Wait for the deployment to finish, or re-run with --force to cancel it (force can leave old and new tasks mixed: meant for recovering a failed deployment).',
          },
        );
      }
      case 422: {
        const fields = fieldErrorsOf(body).map((f) => ({ path: this.redact(f.path), message: this.redact(f.message) }));
        return new MarathonInvalidError(
          `Marathon rejected ${subject ?? where} as invalid (422${said ? `: ${this.redact(said)}` : ''}).`,
          fields,
          opts,
        );
      }
      case 400:
        return new MarathonError('SHOVEL_ERR_MARATHON_BAD_REQUEST', 400, this.redact(`Marathon refused ${where} as a bad request (400): ${said ?? 'no message'}`), opts);
      case 401:
        return new MarathonError(
          'SHOVEL_ERR_MARATHON_AUTH',
          401,
          this.auth
            ? `Marathon at ${this.url} refused the credentials of ${this.credential()} (401).`
            : `Marathon at ${this.url} requires credentials (401) and none were given.`,
          { ...opts, hint: 'Check MARATHON_USER/MARATHON_PASSWORD (HTTP Basic) or MARATHON_TOKEN (DC/OS).' },
        );
      case 403:
        return new MarathonError(
          'SHOVEL_ERR_MARATHON_FORBIDDEN',
          403,
          `Marathon at ${this.url} does not allow ${this.credential()} to ${where} (403).`,
          { ...opts, hint: 'Ask for write permission on the app (or its group) for this credential.' },
        );
      case 404:
        return new MarathonError('SHOVEL_ERR_MARATHON_NOT_FOUND', 404, this.redact(`Marathon has no ${subject ?? where} (404)${said ? `: ${said}` : ''}.`), opts);
      default:
        return new MarathonError(
          'SHOVEL_ERR_MARATHON_HTTP',
          status,
          this.redact(`Marathon answered ${status} to ${where}${said ? `: ${said}` : ''}.`),
          { ...opts, hint: status === 503 ? 'Marathon may be electing a leader or overloaded: try again shortly.' : undefined },
        );
    }
  }

  private unreachable(
    error: unknown,
    signal: AbortSignal | undefined,
    timeoutMs = this.timeoutMs,
    answered?: { status: number; headers: Headers; method: string; path: string },
  ): MarathonError {
    if (signal?.aborted) {
      return new MarathonError('SHOVEL_ERR_MARATHON_ABORTED', 0, 'Marathon request aborted.', { cause: signal.reason });
    }
    const cause = this.redact(causeOf(error, timeoutMs));
    if (answered) {
      const deploymentId = answered.headers.get('marathon-deployment-id') ?? undefined;
      return new MarathonError(
        'SHOVEL_ERR_MARATHON_REPLY_LOST',
        0,
        `Marathon at ${this.url} answered ${answered.status} to ${answered.method} ${answered.path}${deploymentId ? ` (deployment ${deploymentId})` : ''} but the rest of the reply never arrived: ${cause}`,
        { ...(deploymentId ? { deploymentId } : {}), hint: 'The request may have taken effect: check the app and /v2/deployments.' },
      );
    }
    return new MarathonError('SHOVEL_ERR_MARATHON_UNREACHABLE', 0, `Marathon at ${this.url} unreachable: ${cause}`, {
      hint: 'Check the Marathon URL, the network path to it (VPN, proxy) and that Marathon is up.',
    });
  }

  private badResponse(where: string, what: string, deploymentId?: string): MarathonError {
    return new MarathonError('SHOVEL_ERR_MARATHON_BAD_RESPONSE', 0, `Unexpected reply from Marathon at ${this.url} to ${where}: ${what}.`, deploymentId ? { deploymentId } : {});
  }
}

/** /v2/apps/payments/orders: app ids are paths, each segment encoded on its own. */
/** The request that replaces an app's definition (what putApp sends; the dry run prints it). */
export function putAppRequest(appId: string, options: { force?: boolean } = {}): { method: 'PUT'; path: string; query: Array<[string, string]> } {
  const query: Array<[string, string]> = [['partialUpdate', 'false']];
  if (options.force) query.push(['force', 'true']);
  return { method: 'PUT', path: appPath(appId), query };
}

/** `PUT /v2/apps/x?partialUpdate=false` as a line of text. */
export function requestLine(request: { method: string; path: string; query: Array<[string, string]> }, base = ''): string {
  return `${request.method} ${base}${request.path}${request.query.length ? `?${new URLSearchParams(request.query)}` : ''}`;
}

export function appPath(appId: string): string {
  const segments = appId.split('/').filter((s) => s !== '');
  return `/v2/apps/${segments.map(encodeURIComponent).join('/')}`;
}

/** Exponential with "equal jitter": between half and all of base * 2^(n-1). */
export function backoffMs(baseDelayMs: number, retryNumber: number): number {
  const full = baseDelayMs * 2 ** (retryNumber - 1);
  return full / 2 + Math.random() * (full / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Reply {
  /** Parsed JSON, or the text (redacted) when it is not JSON; undefined when empty. */
  value: unknown;
  /** An HTML page (a proxy or login page): never echoed, it may quote request headers. */
  html: boolean;
}

/**
 * Reads the whole body. A body that fails or stalls after the headers arrived THROWS: an
 * empty reply and a lost one mean different things. Secrets are scrubbed from the full text,
 * before anything cuts it short.
 */
async function readBody(response: Response, redactor: Redactor): Promise<Reply> {
  const text = redactor.text(await response.text());
  const type = response.headers.get('content-type') ?? '';
  if (/html/i.test(type) || /^\s*<(!doctype|html|head|body|\?xml)/i.test(text)) return { value: undefined, html: true };
  if (text === '') return { value: undefined, html: false };
  try {
    return { value: JSON.parse(text) as unknown, html: false };
  } catch {
    return { value: text, html: false };
  }
}

function causeOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.message?.includes(cause.code) ? cause.message : `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
