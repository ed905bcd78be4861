/**
 * What the templates see: the answers plus values derived from them. Derivations live here,
 * once, so templates never compute anything.
 */
import type { Answers } from '../inputs/schema.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { selfPackage } from '../util/self.js';
import { NODE_ENGINES, NODE_LTS_MAJOR, versionTable, type Lockfile } from '../versions.js';
import { JsonText } from './helpers.js';
import { lockfileData } from './lockfile-text.js';

export const TEMPLATE_NAME = 'service';

export interface TemplateData extends Answers {
  template: string;
  /** Marathon app id: group + name, e.g. /payments/orders. */
  appId: string;
  /** Image repository without tag: <imageRepository>/<name>. */
  image: string;
  /** Private port for /metrics (never behind the public URL). */
  metricsPort: number;
  nodeMajor: number;
  nodeEngines: string;
  /** The release tool: its version, which `npm run release` and the CI workflow install. */
  shovel: { name: string; version: string };
  /** The service's own version in package.json (the lockfile records it too). */
  serviceVersion: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  /**
   * The pinned tree (versions/service/package-lock.json) under the service's name, or its
   * JSON made ahead by the build (lockfile-text.ts); templates print it with jsonBlock.
   */
  lockfile: Lockfile | JsonText;
  /**
   * The JSON Schema of shovel.yml, for editors (.shovel/shovel.schema.json): the text of
   * schema/shovel.schema.json, which jsonBlock prints as it is.
   */
  shovelSchema: JsonText;
  /** GitHub Actions of the CI workflow, pinned by commit: `uses: <uses> # <version>`. */
  actions: Record<string, { uses: string; version: string }>;
  /** The owning team as a GitHub team slug, for CODEOWNERS. */
  teamSlug: string;
}

let schema: JsonText | undefined;

/**
 * schema/shovel.schema.json, written by `npm run build` from src/config/schema.ts as
 * JSON.stringify(schema, null, 2): its text is what printing the parsed object would give.
 */
function readShovelSchema(): JsonText {
  schema ??= new JsonText(readFileSync(path.join(selfPackage().root, 'schema', 'shovel.schema.json'), 'utf8').trimEnd());
  return schema;
}

/**
 * The table's `shovel.actions` ("owner/name": "<sha> # <tag>"), keyed by the camel-cased
 * action name (actions/setup-node -> setupNode).
 */
export function pinnedActions(actions: Record<string, string> = {}): TemplateData['actions'] {
  const out: TemplateData['actions'] = {};
  for (const [name, pin] of Object.entries(actions)) {
    const [sha = '', version = ''] = pin.split('#').map((part) => part.trim());
    const key = (name.split('/').pop() ?? name).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    out[key] = { uses: `${name}@${sha}`, version };
  }
  return out;
}

/** A GitHub team slug from free text: lowercase letters, digits and single hyphens. */
export function teamSlugOf(team: string): string {
  return team.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'owners';
}

export function metricsPortFor(port: number): number {
  return port < 65535 ? port + 1 : port - 1;
}

/** Every generated service starts at this version; `shovel release` reads it from package.json. */
export const SERVICE_START_VERSION = '0.1.0';

export function templateData(answers: Answers): TemplateData {
  const self = selfPackage();
  const table = versionTable();
  const group = answers.marathonGroup === '/' ? '' : answers.marathonGroup;
  return {
    ...answers,
    template: TEMPLATE_NAME,
    appId: `${group}/${answers.name}`,
    image: `${answers.imageRepository}/${answers.name}`,
    metricsPort: metricsPortFor(answers.port),
    nodeMajor: NODE_LTS_MAJOR,
    nodeEngines: NODE_ENGINES,
    shovel: { name: self.name, version: self.version },
    serviceVersion: SERVICE_START_VERSION,
    dependencies: { ...table.dependencies },
    devDependencies: { ...table.devDependencies },
    lockfile: lockfileData(answers.name, SERVICE_START_VERSION),
    shovelSchema: readShovelSchema(),
    actions: pinnedActions((table.shovel as { actions?: Record<string, string> }).actions),
    teamSlug: teamSlugOf(answers.team),
  };
}
