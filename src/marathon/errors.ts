/**
 * Marathon failures as StepErrors with stable codes. Marathon's error bodies changed shape
 * across versions (see ../shared/reference/marathon-api.md, "Errors"), so the parsing of
 * every known shape lives here, in one place, and the client only maps status -> class.
 */
import { StepError, type ErrorCode, type ShovelErrorOptions } from '../errors.js';

export class MarathonError extends StepError {
  /** HTTP status, or 0 when no (whole) answer came back. */
  readonly status: number;
  /** The Marathon-Deployment-Id header of a reply whose body was lost, when it arrived. */
  readonly deploymentId: string | undefined;
  constructor(code: ErrorCode, status: number, message: string, options: ShovelErrorOptions & { command?: string; deploymentId?: string } = {}) {
    super(code, message, options);
    this.status = status;
    this.deploymentId = options.deploymentId;
  }
}

/** 409: a running deployment holds the app. */
export class MarathonLockedError extends MarathonError {
  readonly deploymentIds: string[];
  constructor(message: string, deploymentIds: string[], options: ShovelErrorOptions & { command?: string } = {}) {
    super('SHOVEL_ERR_MARATHON_LOCKED', 409, message, options);
    this.deploymentIds = deploymentIds;
  }
}

/** 422: the app definition was refused; one entry per field. */
export class MarathonInvalidError extends MarathonError {
  readonly fields: FieldError[];
  constructor(message: string, fields: FieldError[], options: ShovelErrorOptions & { command?: string } = {}) {
    super('SHOVEL_ERR_MARATHON_INVALID', 422, message, {
      ...options,
      details: fields.map((f) => `${f.path}: ${f.message}`),
    });
    this.fields = fields;
  }
}

export interface FieldError {
  path: string;
  message: string;
}

/**
 * The three 422 bodies Marathon has used:
 * - 1.x:       { message, details: [{ path, errors: [string] }] }
 * - 0.15:      { message, details: [{ attribute, error }] }
 * - 0.11-0.13: { errors: [{ attribute, error }] }
 */
export function fieldErrorsOf(body: unknown): FieldError[] {
  if (!isRecord(body)) return [];
  const out: FieldError[] = [];
  const lists = [body.details, body.errors].filter(Array.isArray) as unknown[][];
  for (const list of lists) {
    for (const item of list) {
      if (!isRecord(item)) continue;
      if (Array.isArray(item.errors)) {
        const path = typeof item.path === 'string' ? item.path : '/';
        for (const e of item.errors) out.push({ path, message: String(e) });
      } else if (typeof item.error === 'string' || typeof item.attribute === 'string') {
        out.push({ path: String(item.attribute ?? item.path ?? '/'), message: String(item.error ?? 'invalid') });
      }
    }
  }
  return out;
}

/** 409 bodies list the deployments holding the app: { deployments: [{ id }] }. */
export function lockingDeploymentsOf(body: unknown): string[] {
  if (!isRecord(body) || !Array.isArray(body.deployments)) return [];
  return body.deployments.flatMap((d) => (isRecord(d) && typeof d.id === 'string' ? [d.id] : []));
}

export function messageOf(body: unknown): string | undefined {
  if (isRecord(body) && typeof body.message === 'string') return body.message;
  // A text body may be a proxy's page quoting the request: its first line only.
  if (typeof body === 'string' && body.trim() !== '') {
    const line = body.trim().split('\n')[0]!;
    if (/authorization|cookie/i.test(body)) return 'a non-JSON reply (not shown: it quotes request headers)';
    return line.length > 300 ? `${line.slice(0, 297)}...` : line;
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
