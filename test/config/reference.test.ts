import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { shovelJsonSchema } from '../../src/config/write-json-schema.js';
import { REFERENCE_MARKER, referenceIn, referenceTable } from '../../src/config/write-reference.js';
import { ROOT } from '../support/cli.js';

interface Node {
  description?: string;
  properties?: Record<string, Node>;
}

function keys(node: Node, prefix = ''): [string, Node][] {
  return Object.entries(node.properties ?? {}).flatMap(([k, child]) => [[`${prefix}${k}`, child] as [string, Node], ...keys(child, `${prefix}${k}.`)]);
}

describe('the shovel.yml reference', () => {
  const all = keys(shovelJsonSchema() as Node);

  it('every key of the JSON Schema has a description, and a row in the table', () => {
    expect(all.length).toBeGreaterThan(30);
    const table = referenceTable();
    for (const [key, node] of all) {
      expect(node.description, key).toMatch(/\S/);
      expect(table, key).toContain(`| \`${key}\` |`);
    }
  });

  it('the README table between the markers is the generated one (node dist/src/config/write-reference.js prints it)', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const block = referenceIn(readme);
    expect(block, `README.md has no table between two ${REFERENCE_MARKER} lines`).toBeDefined();
    expect(block).toBe(referenceTable());
  });

  it('the script prints the same block', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'dist/src/config/write-reference.js')]);
    expect(stdout).toBe(`${referenceTable()}\n`);
  });
});
