/**
 * The one table of versions the generated repository depends on. Templates read it through
 * the `version` helper; nothing under templates/ hard-codes a version.
 */

/** Current Node.js LTS major: the generated image runs it. */
export const NODE_LTS_MAJOR = 26;
export const NODE_IMAGE_DEFAULT = `node:${NODE_LTS_MAJOR}-bookworm-slim`;
/** Oldest Node.js the generated service (and Shovel) supports on a developer's machine. */
export const NODE_ENGINES = '>=20.19';

export const SERVICE_DEPENDENCIES = {
  fastify: '^5.6.0',
  pino: '^10.1.0',
  'prom-client': '^15.1.3',
} as const;

export const SERVICE_DEV_DEPENDENCIES = {
  '@biomejs/biome': '^2.3.0',
  '@types/node': '^20.19.0',
  'pino-pretty': '^13.1.0',
  plop: '^4.0.4',
  tsx: '^4.20.0',
  typescript: '^7.0.2',
  vitest: '^4.1.0',
} as const;

export type PinnedPackage = keyof typeof SERVICE_DEPENDENCIES | keyof typeof SERVICE_DEV_DEPENDENCIES;

export function pinnedVersion(name: string): string {
  const table: Record<string, string> = { ...SERVICE_DEPENDENCIES, ...SERVICE_DEV_DEPENDENCIES };
  const version = table[name];
  if (!version) throw new Error(`no pinned version for ${name} in src/versions.ts`);
  return version;
}
