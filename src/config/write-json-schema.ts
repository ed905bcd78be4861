/**
 * Writes schema/shovel.schema.json from the zod schema at build time, so editors (yaml-language-
 * server via the `$schema` key) validate shovel.yml with exactly the rules `shovel` enforces.
 * `io: 'input'` describes what a user writes: defaulted keys are optional.
 * Usage: node dist/src/config/write-json-schema.js [OUT]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { selfPackage } from '../util/self.js';
import { RESERVED_ENV } from '../marathon/render.js';
import { envName, envSchema, shovelConfigSchema } from './schema.js';

export function shovelJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(shovelConfigSchema, {
    io: 'input',
    unrepresentable: 'any',
    // The names shovel sets itself live with the renderer; listed here, when the schema is written.
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === envName) Object.assign(jsonSchema, { not: { enum: [...RESERVED_ENV] } });
      if (zodSchema === envSchema) jsonSchema.description = `${String(jsonSchema.description)} (${RESERVED_ENV.join(', ')}).`;
    },
  }) as Record<string, unknown>;
  return { ...schema, title: 'shovel.yml', description: 'Release configuration of a service released with `shovel release`.' };
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? path.join(selfPackage().root, 'schema', 'shovel.schema.json');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(shovelJsonSchema(), null, 2)}\n`);
}

// Only when run as a script, so tests can import shovelJsonSchema without writing files.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
