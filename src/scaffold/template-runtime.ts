/**
 * What a template compiled to plain JavaScript (codegen.ts) calls at render time: the value
 * helpers, Handlebars's property lookup and its `#if` test, and nothing else. A build renders
 * with these instead of loading the Handlebars runtime.
 */
import { callHelper } from './helpers.js';

export interface TemplateRuntime {
  /** A value helper's result (`{{yaml name}}`). */
  c(name: string, args: unknown[]): unknown;
  /** Handlebars's lookupProperty: own properties only; an inherited one reads as undefined. */
  p(parent: unknown, name: string): unknown;
  /** What a mustache prints: nothing for null and undefined. */
  s(value: unknown): unknown;
  /** Handlebars's `#if` test: a function is called first; falsy values and [] are false. */
  t(context: unknown, value: unknown): boolean;
}

export const TEMPLATE_RUNTIME: TemplateRuntime = {
  c: callHelper,
  p(parent, name) {
    const result = (parent as Record<string, unknown>)[name];
    if (result == null) return result;
    return Object.prototype.hasOwnProperty.call(parent, name) ? result : undefined;
  },
  s: (value) => (value != null ? value : ''),
  t(context, value) {
    const conditional = typeof value === 'function' ? (value as (this: unknown) => unknown).call(context) : value;
    return !(!conditional || (Array.isArray(conditional) && conditional.length === 0));
  },
};

/** A compiled template: the data, and the runtime above. */
export type CompiledRender = (data: object, h: TemplateRuntime) => string;
