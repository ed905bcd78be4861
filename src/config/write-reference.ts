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
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
}

/** Table-cell text: pipes escaped, and `<x>` shown as text rather than read as HTML. */
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('\n', ' ');

function typeOf(schema: JsonSchema): string {
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeOf))].join(' or ');
  if (schema.type === 'array' && schema.items) return `list of ${typeOf(schema.items)}`;
  if (schema.type === 'array' && schema.prefixItems) return `list [${schema.prefixItems.map(typeOf).join(', ')}]`;
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' or ');
  if (schema.type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
    return `map of ${typeOf(schema.additionalProperties)}`;
  }
  const range = schema.minimum !== undefined && schema.maximum !== undefined ? ` ${schema.minimum}-${schema.maximum}` : '';
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  return `${type}${range}`;
}

/** The object forms a key can take: itself, its list's items, the branches of a union. */
function objectForms(schema: JsonSchema): { schema: JsonSchema; suffix: string }[] {
  if (schema.properties) return [{ schema, suffix: '.' }];
  if (schema.type === 'array' && schema.items) return objectForms(schema.items).map((f) => ({ schema: f.schema, suffix: `[]${f.suffix}` }));
  return (schema.anyOf ?? []).flatMap(objectForms);
}

function rows(schema: JsonSchema, prefix: string, out: string[], seen = new Set<string>()): void {
  const required = new Set(schema.required ?? []);
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const name = `${prefix}${key}`;
    // Two forms of a union may share a key (volumes[].containerPath): one row.
    if (seen.has(name)) continue;
    seen.add(name);
    const shownDefault =
      child.default === undefined ? '' : typeof child.default === 'object' && child.type === 'object' ? '' : `\`${JSON.stringify(child.default)}\``;
    out.push(`| \`${name}\` | ${cell(typeOf(child))} | ${required.has(key) ? 'yes' : ''} | ${cell(shownDefault)} | ${cell(child.description ?? '')} |`);
    for (const form of objectForms(child)) rows(form.schema, `${name}${form.suffix}`, out, seen);
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
