/**
 * Renders a template tree with a dedicated Handlebars instance. Templates never print a
 * value with a bare `{{x}}` (that would HTML-escape it into code): every mustache is a
 * helper that escapes for the file type, and a template that breaks this rule is refused.
 *
 * Tree conventions (under templates/<name>/):
 * - `*.hbs` is rendered and written without the suffix;
 * - `*.raw` is copied verbatim without the suffix (e.g. the service's own plop templates);
 * - anything else is copied verbatim;
 * - a path segment starting with one `_` is written with a `.` instead (`_gitignore`),
 *   because npm drops dotfiles such as .gitignore from published packages.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import * as escape from './escape.js';
import { pinnedVersion } from '../versions.js';

export interface RenderedFile {
  /** Path relative to the output root, with `/` separators. */
  path: string;
  contents: Buffer;
  mode: number;
}

type HelperFn = (...args: unknown[]) => string;

/** Every helper a template may use. Block helpers (`#if` ...) come from Handlebars itself. */
const VALUE_HELPERS: Record<string, HelperFn> = {
  json: (v) => escape.jsonLiteral(v),
  /** Pretty JSON object/array, for whole JSON values (e.g. a dependencies map). */
  jsonBlock: (v, indent) => JSON.stringify(v, null, 2).replace(/\n/g, `\n${' '.repeat(Number(indent) || 0)}`),
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
  /** A pinned dependency version from src/versions.ts, as a JSON string. */
  version: (name) => escape.jsonLiteral(pinnedVersion(String(name))),
  eq: ((a: unknown, b: unknown) => a === b) as unknown as HelperFn,
};
const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with', 'raw']);

const hbs = Handlebars.create();
for (const [name, fn] of Object.entries(VALUE_HELPERS)) {
  hbs.registerHelper(name, function (this: unknown, ...args: unknown[]) {
    // Handlebars passes its options object last; helpers only see their own arguments.
    const own = args.slice(0, -1);
    // Strict mode does not cover helper arguments: a typo would print "undefined" silently.
    if (own.some((a) => a === undefined)) throw new Error(`{{${name}}} got an undefined value: missing template data`);
    return fn(...own);
  });
}
// `{{{{raw}}}} ... {{{{/raw}}}}` keeps GitHub Actions' `${{ }}` and similar text untouched.
hbs.registerHelper('raw', (options: Handlebars.HelperOptions) => options.fn(undefined));

/** Refuse any mustache that is not a known helper call: a bare {{x}} would mis-escape. */
function assertHelpersOnly(source: string, file: string): void {
  const ast = hbs.parse(source);
  const visit = (node: hbs.AST.Node | undefined): void => {
    if (!node) return;
    const n = node as unknown as Record<string, unknown> & { type: string };
    if (n.type === 'MustacheStatement' || n.type === 'SubExpression') {
      const head = (n.path as { original?: unknown }).original;
      const params = n.params as unknown[];
      if (typeof head !== 'string' || !(head in VALUE_HELPERS) || params.length === 0) {
        throw new Error(
          `${file}: "{{${String(head)}}}" prints a value without an escaping helper; use one of ${Object.keys(VALUE_HELPERS).join(', ')}`,
        );
      }
      for (const p of params) visit(p as hbs.AST.Node);
    }
    if (n.type === 'BlockStatement') {
      const head = (n.path as { original?: unknown }).original;
      if (typeof head !== 'string' || !BLOCK_HELPERS.has(head)) throw new Error(`${file}: unknown block helper #${String(head)}`);
      visit(n.program as hbs.AST.Node);
      visit(n.inverse as hbs.AST.Node);
    }
    if (n.type === 'Program') for (const s of n.body as hbs.AST.Node[]) visit(s);
  };
  visit(ast);
}

export function renderString(source: string, data: object, file = '<string>'): string {
  assertHelpersOnly(source, file);
  return hbs.compile(source, { noEscape: true, strict: true })(data);
}

function outputPath(relative: string): string {
  const segments = relative.split(path.sep).map((s) => (/^_[^_]/.test(s) ? `.${s.slice(1)}` : s));
  const joined = segments.join('/');
  return joined.replace(/\.(hbs|raw)$/, '');
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(root, full)));
    else if (entry.isFile()) files.push(path.relative(root, full));
  }
  return files.sort();
}

/** Render every file of a template tree in memory; nothing is written here. */
export async function renderTree(templateRoot: string, data: object): Promise<RenderedFile[]> {
  const files = await listFiles(templateRoot);
  const rendered = await Promise.all(
    files.map(async (relative): Promise<RenderedFile> => {
      const full = path.join(templateRoot, relative);
      const [raw, info] = await Promise.all([readFile(full), stat(full)]);
      const contents = relative.endsWith('.hbs')
        ? Buffer.from(renderString(raw.toString('utf8'), data, relative), 'utf8')
        : raw;
      return { path: outputPath(relative), contents, mode: info.mode & 0o777 };
    }),
  );
  return rendered.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
