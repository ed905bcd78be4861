/**
 * The helpers templates print values with. Every one escapes for a file type (or refuses a
 * value it cannot print safely); there is deliberately no way to print a raw value.
 */
import type Handlebars from 'handlebars';
import type { HelperOptions } from 'handlebars';
import * as escape from './escape.js';

type HelperFn = (...args: unknown[]) => string;

/** JSON made ahead of the render (lockfile-text.ts): jsonBlock prints it as it would the value. */
export class JsonText {
  constructor(readonly text: string) {}
}

export const VALUE_HELPERS: Record<string, HelperFn> = {
  json: (v) => escape.jsonLiteral(v),
  /** Pretty JSON object/array, for whole JSON values (e.g. a dependencies map). */
  jsonBlock: (v, indent) => {
    const json = v instanceof JsonText ? v.text : JSON.stringify(v, null, 2);
    const pad = ' '.repeat(Number(indent) || 0);
    return pad === '' ? json : json.replace(/\n/g, `\n${pad}`);
  },
  ts: (v) => escape.tsLiteral(v),
  yaml: (v) => escape.yamlLiteral(v),
  md: (v) => escape.markdownText(String(v)),
  sh: (v) => escape.shellWord(String(v)),
  docker: (v) => escape.dockerfileWord(String(v)),
  /** A restricted value (validated to [a-z0-9.:/-]) printed as is, e.g. inside a URL. */
  id: (v) => {
    const s = String(v);
    if (!/^[A-Za-z0-9._:/@-]*$/.test(s)) throw new Error(`{{id}} refused a value outside [A-Za-z0-9._:/@-]: ${s}`);
    return s;
  },
  /** A number printed as is. */
  num: (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`{{num}} needs a finite number, got ${String(v)}`);
    return String(v);
  },
  eq: ((a: unknown, b: unknown) => a === b) as unknown as HelperFn,
};

export const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with', 'raw']);

/** One value helper applied to its own arguments (Handlebars's options object left out). */
export function callHelper(name: string, own: unknown[]): string {
  // Strict mode does not cover helper arguments: a typo would print "undefined" silently.
  if (own.some((a) => a === undefined)) throw new Error(`{{${name}}} got an undefined value: missing template data`);
  return VALUE_HELPERS[name]!(...own);
}

/** Register the helpers on a dedicated instance (compiler or runtime), never the global one. */
export function registerHelpers(env: typeof Handlebars): void {
  for (const name of Object.keys(VALUE_HELPERS)) {
    // Handlebars passes its options object last; helpers only see their own arguments.
    env.registerHelper(name, (...args: unknown[]) => callHelper(name, args.slice(0, -1)));
  }
  // `{{{{raw}}}} ... {{{{/raw}}}}` keeps GitHub Actions' `${{ }}` and similar text untouched.
  env.registerHelper('raw', (options: HelperOptions) => options.fn(undefined));
}
