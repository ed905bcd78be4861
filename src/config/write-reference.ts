/**
 * The README's reference of every shovel.yml key, generated from the JSON Schema (itself
 * generated from the zod schema), so the table cannot drift from what `shovel` accepts.
 * Usage: node dist/src/config/write-reference.js   (prints the Markdown block, markers included)
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { shovelJsonSchema } from './write-json-schema.js';

/** The README holds the table between two copies of this line. */
export const REFERENCE_MARKER = '<!-- shovel.yml reference -->';

interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
}

/** Table-cell text: pipes escaped, and `<x>` shown as text rather than read as HTML. */
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('\n', ' ');

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' or ');
  if (schema.type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
    return `map of ${schema.additionalProperties.type ?? 'values'}`;
  }
  const range = schema.minimum !== undefined && schema.maximum !== undefined ? ` ${schema.minimum}-${schema.maximum}` : '';
  return `${schema.type ?? 'any'}${range}`;
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  const required = new Set(schema.required ?? []);
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const name = `${prefix}${key}`;
    const shownDefault =
      child.default === undefined ? '' : typeof child.default === 'object' && child.type === 'object' ? '' : `\`${JSON.stringify(child.default)}\``;
    out.push(`| \`${name}\` | ${cell(typeOf(child))} | ${required.has(key) ? 'yes' : ''} | ${cell(shownDefault)} | ${cell(child.description ?? '')} |`);
    if (child.properties) rows(child, `${name}.`, out);
  }
}

/** The Markdown block for the README, markers included. */
export function referenceTable(): string {
  const lines = ['| key | type | required | default | description |', '| --- | --- | --- | --- | --- |'];
  rows(shovelJsonSchema() as JsonSchema, '', lines);
  return [REFERENCE_MARKER, ...lines, REFERENCE_MARKER].join('\n');
}

/** The block between the markers in `readme`, markers included, or undefined. */
export function referenceIn(readme: string): string | undefined {
  const start = readme.indexOf(REFERENCE_MARKER);
  const end = readme.indexOf(REFERENCE_MARKER, start + REFERENCE_MARKER.length);
  return start < 0 || end < 0 ? undefined : readme.slice(start, end + REFERENCE_MARKER.length);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.stdout.write(`${referenceTable()}\n`);
}
