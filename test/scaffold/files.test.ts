import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/inputs/resolve.js';
import { serviceFiles } from '../../src/scaffold/files.js';
import { runActions } from '../../src/scaffold/run-generator.js';
import { selfPackage } from '../../src/util/self.js';
import { createShovel, tempDir } from '../support/cli.js';

const answers = withDefaults({
  name: 'orders',
  description: 'Takes "orders" & ships them.\nSecond line.',
  team: 'payments',
  publicHost: 'orders.example.com',
  marathonUrl: 'https://marathon.example.com',
  marathonGroup: '/payments',
});

/** Values that change with the machine or the release, replaced for the snapshot. */
function normalise(text: string): string {
  const self = selfPackage();
  return text.split(`"${self.version}"`).join('"<version>"').split(`@${self.version}`).join('@<version>');
}

async function tree(root: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(path.join(root, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) Object.assign(out, await tree(root, rel));
    else out[rel] = await readFile(path.join(root, rel), 'utf8');
  }
  return out;
}

describe('the service generator', () => {
  it('renders the expected files (snapshot of the list and key files)', async () => {
    const files = await serviceFiles(answers);
    expect(files.map((f) => f.path)).toMatchSnapshot('file list');
    for (const key of ['package.json', 'shovel.yml', 'Dockerfile', '.shovel/answers.json', 'src/service.ts']) {
      const file = files.find((f) => f.path === key);
      expect(normalise(file!.contents.toString('utf8'))).toMatchSnapshot(key);
    }
  });

  it('the built CLI (precompiled templates) writes exactly what the compiled templates render', async () => {
    const cwd = await tempDir();
    const record = path.join(cwd, 'answers.json');
    await writeFile(record, JSON.stringify(answers));
    const r = await createShovel(['out', '--answers', record, '--no-install', '--no-git'], { cwd });
    expect(r.exitCode, r.all).toBe(0);
    const written = await tree(path.join(cwd, 'out'));
    const rendered = Object.fromEntries((await serviceFiles(answers)).map((f) => [f.path, f.contents.toString('utf8')]));
    expect(written).toEqual(rendered);
  });

  it("runs the generator's actions into the destination: exactly the rendered files", async () => {
    const dest = await tempDir();
    await runActions(answers, dest);
    const written = await tree(dest);
    const rendered = await serviceFiles(answers);
    expect(Object.keys(written).length).toBeGreaterThan(20);
    expect(written).toEqual(Object.fromEntries(rendered.map((f) => [f.path, f.contents.toString('utf8')])));
  });
});
