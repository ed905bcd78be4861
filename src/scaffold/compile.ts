/**
 * Compiles templates with the full Handlebars compiler: at build time into JavaScript
 * (precompile.ts), or on the fly when no precompiled tree is present (tests, a clone
 * without a build). A template that prints a value without an escaping helper is refused.
 */
import Handlebars from 'handlebars';
import { renderFunctionSource } from './codegen.js';
import { BLOCK_HELPERS, registerHelpers, VALUE_HELPERS } from './helpers.js';

const hbs = Handlebars.create();
registerHelpers(hbs);

/** Compile options of every template: helpers' output verbatim, missing data an error. */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

/** Refuse any mustache that is not a known helper call: a bare {{x}} would mis-escape. */
export function assertHelpersOnly(source: string, file: string): void {
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
  visit(hbs.parse(source));
}

export function compileTemplate(source: string, file: string): (data: object) => string {
  assertHelpersOnly(source, file);
  return hbs.compile(source, COMPILE_OPTIONS);
}

/** JavaScript source of the template's spec, for handlebars/runtime's `template()`. */
export function precompileTemplate(source: string, file: string): string {
  assertHelpersOnly(source, file);
  return String(hbs.precompile(source, COMPILE_OPTIONS));
}

/**
 * The template as build output: a plain render function (codegen.ts) when the template stays
 * within what that covers, otherwise the spec for handlebars/runtime.
 */
export function compileForBuild(source: string, file: string): { render: string } | { spec: string } {
  assertHelpersOnly(source, file);
  const render = renderFunctionSource(hbs.parse(source));
  return render !== undefined ? { render } : { spec: String(hbs.precompile(source, COMPILE_OPTIONS)) };
}

export function renderString(source: string, data: object, file = '<string>'): string {
  return compileTemplate(source, file)(data);
}
