/**
 * Secrets never reach any output: not progress lines, not --json, not error messages (a
 * failing command's output tail could echo one). Everything printed passes through a Redactor,
 * at the sink and before anything is cut to a length limit: a secret cut in half is still
 * recognised by its pieces.
 */
import { ShovelError, StepError } from '../errors.js';

export const REDACTED = '***';

/** Environment variables whose values are secrets. */
export const SECRET_ENV = ['SHOVEL_REGISTRY_PASSWORD', 'MARATHON_PASSWORD', 'MARATHON_TOKEN'] as const;

/** Any piece of a secret at least this long is redacted too (a message cut short keeps one). */
export const FRAGMENT_LENGTH = 8;

/** The forms a secret takes in headers, URLs, HTML pages and JSON. */
export function secretForms(secret: string): string[] {
  const base64 = Buffer.from(secret).toString('base64');
  const html = (quote: string) =>
    secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, quote);
  return [
    secret,
    // Basic auth headers and docker config files carry them base64-encoded.
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    html('&#39;'),
    html('&#x27;'),
    html('&apos;'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

export class Redactor {
  /** Every form of every secret, longest first. */
  private secrets: string[];
  /** Every FRAGMENT_LENGTH-long piece of every form that is at least that long. */
  private readonly fragments = new Set<string>();

  /**
   * @param secrets redacted in every form (secretForms)
   * @param encoded redacted base64-encoded only: `user:password` pairs, whose raw text would
   *   also hide the (public) user name; the password is among `secrets` anyway
   */
  constructor(secrets: Iterable<string | undefined>, encoded: Iterable<string | undefined> = []) {
    const all = new Set<string>();
    for (const s of secrets) {
      if (!s) continue;
      for (const form of secretForms(s)) if (form) all.add(form);
    }
    for (const s of encoded) {
      if (!s) continue;
      const base64 = Buffer.from(s).toString('base64');
      for (const form of [base64, base64.replace(/=+$/, ''), Buffer.from(s).toString('base64url')]) all.add(form);
    }
    // Longest first, so a secret containing another is replaced whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
    for (const form of this.secrets) {
      for (let i = 0; i + FRAGMENT_LENGTH <= form.length; i++) this.fragments.add(form.slice(i, i + FRAGMENT_LENGTH));
    }
  }

  /** Redacts these too from now on: values shovel.yml takes from the releasing shell (`${VAR}`). */
  add(secrets: Iterable<string | undefined>): void {
    const more = new Redactor(secrets);
    this.secrets = [...new Set([...this.secrets, ...more.secrets])].sort((a, b) => b.length - a.length);
    for (const piece of more.fragments) this.fragments.add(piece);
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): Redactor {
    const values: (string | undefined)[] = SECRET_ENV.map((k) => env[k]);
    // user:password as it appears base64-encoded in Authorization headers.
    const pairs: string[] = [];
    if (env.SHOVEL_REGISTRY_USER && env.SHOVEL_REGISTRY_PASSWORD) pairs.push(`${env.SHOVEL_REGISTRY_USER}:${env.SHOVEL_REGISTRY_PASSWORD}`);
    if (env.MARATHON_USER && env.MARATHON_PASSWORD) pairs.push(`${env.MARATHON_USER}:${env.MARATHON_PASSWORD}`);
    return new Redactor(values, pairs);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  /**
   * Every whole form of a secret and every piece of one at least FRAGMENT_LENGTH long (what a
   * message cut at its length limit leaves) becomes REDACTED; adjacent hits merge.
   */
  text(value: string): string {
    if (this.empty || value === '') return value;
    const hit = new Uint8Array(value.length);
    let any = false;
    for (const secret of this.secrets) {
      for (let at = value.indexOf(secret); at !== -1; at = value.indexOf(secret, at + 1)) {
        hit.fill(1, at, at + secret.length);
        any = true;
      }
    }
    for (let i = 0; i + FRAGMENT_LENGTH <= value.length; i++) {
      if (this.fragments.has(value.slice(i, i + FRAGMENT_LENGTH))) {
        hit.fill(1, i, i + FRAGMENT_LENGTH);
        any = true;
      }
    }
    if (!any) return value;
    let out = '';
    for (let i = 0; i < value.length; i++) {
      if (!hit[i]) out += value[i];
      else if (i === 0 || !hit[i - 1]) out += REDACTED;
    }
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
