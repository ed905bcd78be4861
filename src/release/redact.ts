/**
 * Secrets never reach any output: not progress lines, not --json, not error messages (a
 * failing command's output tail could echo one). Everything printed passes through a Redactor.
 */
import { ShovelError, StepError } from '../errors.js';

export const REDACTED = '***';

/** Environment variables whose values are secrets. */
export const SECRET_ENV = ['SHOVEL_REGISTRY_PASSWORD', 'MARATHON_PASSWORD', 'MARATHON_TOKEN'] as const;

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const all = new Set<string>();
    for (const s of secrets) {
      if (!s) continue;
      all.add(s);
      // Basic auth headers and docker config files carry them base64-encoded.
      all.add(Buffer.from(s).toString('base64'));
      all.add(encodeURIComponent(s));
    }
    // Longest first, so a secret containing another is replaced whole.
    this.secrets = [...all].filter(Boolean).sort((a, b) => b.length - a.length);
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): Redactor {
    const values: (string | undefined)[] = SECRET_ENV.map((k) => env[k]);
    // user:password as it appears base64-encoded in Authorization headers.
    if (env.SHOVEL_REGISTRY_USER && env.SHOVEL_REGISTRY_PASSWORD) {
      values.push(`${env.SHOVEL_REGISTRY_USER}:${env.SHOVEL_REGISTRY_PASSWORD}`);
    }
    if (env.MARATHON_USER && env.MARATHON_PASSWORD) values.push(`${env.MARATHON_USER}:${env.MARATHON_PASSWORD}`);
    return new Redactor(values);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** Deep copy of a JSON-like value with every string redacted. */
  json<T>(value: T): T {
    if (this.empty) return value;
    return JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === 'string' ? this.text(v) : v)) as T;
  }

  /** The same error with every text field redacted (same class, code and exit code). */
  error(error: unknown): unknown {
    if (this.empty) return error;
    if (error instanceof StepError) {
      const copy = new StepError(error.code, error.step, this.text(error.message), {
        details: error.details.map((d) => this.text(d)),
        ...(error.hint ? { hint: this.text(error.hint) } : {}),
        ...(error.command ? { command: this.text(error.command) } : {}),
        ...(error.outputTail ? { outputTail: this.text(error.outputTail) } : {}),
      });
      copy.stack = this.text(error.stack ?? '');
      return copy;
    }
    if (error instanceof ShovelError) {
      // Keep the subclass (UsageError, InterruptedError...): only the text fields change.
      const copy = Object.create(Object.getPrototypeOf(error) as object) as ShovelError;
      Object.assign(copy, error, {
        message: this.text(error.message),
        details: error.details.map((d) => this.text(d)),
        hint: error.hint ? this.text(error.hint) : error.hint,
        stack: this.text(error.stack ?? ''),
      });
      return copy;
    }
    if (error instanceof Error) {
      const copy = new Error(this.text(error.message));
      copy.stack = this.text(error.stack ?? '');
      return copy;
    }
    return typeof error === 'string' ? this.text(error) : error;
  }

  /** A stream that redacts what is written and otherwise behaves like `target` (TTY, cursor). */
  stream<S extends NodeJS.WritableStream>(target: S): S {
    if (this.empty) return target;
    const redactor = this;
    return new Proxy(target, {
      get(t, prop) {
        if (prop === 'write') {
          return (chunk: unknown, ...rest: unknown[]) =>
            (t.write as (...a: unknown[]) => boolean)(
              typeof chunk === 'string' || Buffer.isBuffer(chunk) ? redactor.text(chunk.toString()) : chunk,
              ...rest,
            );
        }
        const value = Reflect.get(t, prop, t) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  }
}
