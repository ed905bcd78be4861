/**
 * Build step (precompile.ts): one Handlebars template as a plain JavaScript function of
 * (data, runtime), so that a build renders without loading the Handlebars runtime. It covers
 * what templates print with: text, comments, value-helper mustaches and subexpressions with
 * path or literal arguments, `#if`/`#unless` (with `else`) and `{{{{raw}}}}` blocks. It reads
 * the tree Handlebars parses (its whitespace control already applied) and keeps Handlebars's
 * semantics: own-property lookups, `#if` truthiness, nothing printed for null or undefined.
 * Anything else gives undefined, and that file is precompiled for the Handlebars runtime.
 */
import { VALUE_HELPERS } from './helpers.js';

type Node = hbs.AST.Node & Record<string, unknown>;

/** Outside what this compiles: the caller falls back to Handlebars's own precompiler. */
class Unsupported extends Error {}

function unsupported(): never {
  throw new Unsupported();
}

const str = (value: string) => JSON.stringify(value);

/** `a.b.c` from the data: Handlebars's lookups, one per segment. */
function pathExpression(node: Node): string {
  const parts = node.parts as string[];
  if (node.data || node.depth !== 0 || parts.length === 0 || node.original !== parts.join('.')) unsupported();
  if (parts.some((p) => p === 'this' || p === '.' || p === '..')) unsupported();
  return parts.reduce((expr, part) => `h.p(${expr}, ${str(part)})`, 'd');
}

function argument(node: Node): string {
  switch (node.type) {
    case 'PathExpression':
      return pathExpression(node);
    case 'SubExpression':
      return helperCall(node);
    case 'StringLiteral':
      return str(node.value as string);
    case 'NumberLiteral':
    case 'BooleanLiteral':
      return JSON.stringify(node.value);
    case 'UndefinedLiteral':
      return 'undefined';
    case 'NullLiteral':
      return 'null';
    default:
      return unsupported();
  }
}

/** `{{name arg ...}}` or `(name arg ...)` with a value helper. */
function helperCall(node: Node): string {
  const path = node.path as Node;
  const params = node.params as Node[];
  const hash = node.hash as { pairs: unknown[] } | undefined;
  if (path.type !== 'PathExpression' || (path.parts as string[]).length !== 1 || path.data || path.depth !== 0) unsupported();
  const name = path.original as string;
  if (!Object.hasOwn(VALUE_HELPERS, name) || params.length === 0 || (hash && hash.pairs.length > 0)) unsupported();
  return `h.c(${str(name)}, [${params.map(argument).join(', ')}])`;
}

function block(node: Node): string {
  const path = node.path as Node;
  const params = node.params as Node[];
  const hash = node.hash as { pairs: unknown[] } | undefined;
  const program = node.program as Node | undefined;
  const inverse = node.inverse as Node | undefined;
  if (path.type !== 'PathExpression' || (path.parts as string[]).length !== 1 || path.data || path.depth !== 0) unsupported();
  if ((hash && hash.pairs.length > 0) || (program?.blockParams as unknown[] | undefined)?.length) unsupported();
  const name = path.original as string;
  if (name === 'raw') {
    // The registered `raw` helper renders its block with no context: text only.
    const body = (program?.body ?? []) as Node[];
    if (params.length !== 0 || inverse || body.some((s) => s.type !== 'ContentStatement')) unsupported();
    return programExpression(program);
  }
  if ((name !== 'if' && name !== 'unless') || params.length !== 1) unsupported();
  const yes = programExpression(program);
  const no = programExpression(inverse);
  const test = `h.t(d, ${argument(params[0]!)})`;
  return name === 'if' ? `(${test} ? ${yes} : ${no})` : `(${test} ? ${no} : ${yes})`;
}

function statement(node: Node): string | undefined {
  switch (node.type) {
    case 'ContentStatement':
      return (node.value as string) === '' ? undefined : str(node.value as string);
    case 'CommentStatement':
      return undefined;
    case 'MustacheStatement':
      return `h.s(${helperCall(node)})`;
    case 'BlockStatement':
      return block(node);
    default:
      return unsupported();
  }
}

/** A program as one string expression (a missing one, like Handlebars's noop, is ""). */
function programExpression(program: Node | undefined): string {
  const parts = ((program?.body ?? []) as Node[]).map(statement).filter((s): s is string => s !== undefined);
  return parts.length === 0 ? '""' : `("" + ${parts.join(' + ')})`;
}

/**
 * JavaScript source of `(d, h) => string` for a parsed template (`Handlebars.parse`, which
 * applies whitespace control), or undefined when the template uses something not covered.
 */
export function renderFunctionSource(ast: hbs.AST.Program): string | undefined {
  try {
    return `(d, h) => ${programExpression(ast as unknown as Node)}`;
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}
