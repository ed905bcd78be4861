import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { shovelJsonSchema } from '../../src/config/write-json-schema.js';
import { FIXTURE_DIR } from '../release/helpers.js';

const fixture = async () =>
  parse((await readFile(path.join(FIXTURE_DIR, 'shovel.yml'), 'utf8')).replaceAll('__REGISTRY__', '127.0.0.1:5000').replaceAll('__NODE_IMAGE__', 'n:1')) as Record<string, unknown>;

describe('schema/shovel.schema.json', () => {
  const validate = new Ajv2020({ strict: false }).compile(shovelJsonSchema());

  it('accepts a valid config, with defaulted keys optional (io: input)', async () => {
    expect(validate(await fixture()), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses unknown keys and wrong types, as the zod schema does', async () => {
    expect(validate({ ...(await fixture()), colour: 'red' })).toBe(false);
    expect(validate({ ...(await fixture()), resources: { cpus: 'x', memory: 64, instances: 1 } })).toBe(false);
  });

  it('the build script writes it to the path it is given', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'shovel-schema-')), 'shovel.schema.json');
    const script = path.resolve(FIXTURE_DIR, '../../../../dist/src/config/write-json-schema.js');
    await promisify(execFile)(process.execPath, [script, out]);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(shovelJsonSchema());
  });
});
