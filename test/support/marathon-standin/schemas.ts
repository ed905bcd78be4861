/**
 * Marathon's published JSON Schemas, read in place from ../shared/reference/marathon-schema
 * (never copied into the repo): mesosphere/marathon docs/docs/rest-api/public/api/v2/schema/
 * AppDefinition.json and Group.json at v1.7.236 and v0.15.7, and
 * docs/docs/rest-api/mesosphere/marathon/api/v2/AppDefinition.json at v0.11.1. Marathon
 * validates request bodies against these (and more) before it answers 422. Absent folder: undefined plus a reason, so callers can skip;
 * under CI=true that is an error instead, because CI must provide them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvDraft04 from 'ajv-draft-04';
import type { ErrorObject, ValidateFunction } from 'ajv';

// CJS module: under nodenext the default import is module.exports, whose .default is the class.
const Ajv: typeof AjvDraft04.default = AjvDraft04.default ?? (AjvDraft04 as unknown as typeof AjvDraft04.default);

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCHEMA_DIR = path.resolve(REPO_ROOT, '../shared/reference/marathon-schema');

export type SchemaName = '1.7' | '0.15.7' | '0.11.1' | 'group-1.7';

export interface MarathonSchemas {
  validate(name: SchemaName, value: unknown): { valid: boolean; errors: ErrorObject[] };
}

let cached: MarathonSchemas | undefined;

export function schemasMissingReason(): string | undefined {
  return existsSync(path.join(SCHEMA_DIR, 'AppDefinition.json')) ? undefined : `Marathon JSON Schemas not found at ${SCHEMA_DIR}`;
}

/** undefined when the folder is absent (and CI is not set). */
export function loadMarathonSchemas(): MarathonSchemas | undefined {
  if (cached) return cached;
  const missing = schemasMissingReason();
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`${missing}; CI must provide them.`);
    return undefined;
  }
  const read = (file: string) => JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>;
  const validators = new Map<SchemaName, ValidateFunction>();
  // One Ajv per schema version: each AppDefinition.json has the same (absent) id, so they
  // cannot share a registry.
  const compile = (file: string, extra?: { id: string; file: string }) => {
    // format "date-time" etc. are annotations here (no ajv-formats): the server parses them.
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    if (extra) ajv.addSchema(read(extra.file), extra.id);
    return ajv.compile(read(file));
  };
  validators.set('1.7', compile('AppDefinition.json'));
  validators.set('0.15.7', compile('v0.15.7/AppDefinition.json'));
  validators.set('0.11.1', compile('v0.11.1/AppDefinition.json'));
  // Group.json refers to "./AppDefinition.json" relative to its own (dead) id URL: register
  // the app schema under the URL that reference resolves to.
  const group = read('Group.json');
  const appUrl = new URL('./AppDefinition.json', String(group.id)).toString();
  validators.set('group-1.7', compile('Group.json', { id: appUrl, file: 'AppDefinition.json' }));
  cached = {
    validate(name, value) {
      const fn = validators.get(name)!;
      const valid = fn(value) as boolean;
      return { valid, errors: [...(fn.errors ?? [])] };
    },
  };
  return cached;
}
