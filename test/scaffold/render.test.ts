import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderString } from '../../src/scaffold/compile.js';
import { renderTree } from '../../src/scaffold/render.js';

describe('renderString', () => {
  it('prints values only through escaping helpers', () => {
    const out = renderString('{"d": {{json d}}, "n": {{num n}} }\nurl: https://{{id host}}/', { d: '"x"', n: 3, host: 'a.example.com' });
    expect(out).toBe('{"d": "\\"x\\"", "n": 3 }\nurl: https://a.example.com/');
  });

  it('refuses a bare {{value}} that would HTML-escape into code', () => {
    expect(() => renderString('name: {{name}}', { name: 'x' }, 'shovel.yml.hbs')).toThrow(/shovel.yml.hbs: "\{\{name\}\}" prints a value without an escaping helper/);
    expect(() => renderString('{{{name}}}', { name: 'x' })).toThrow(/without an escaping helper/);
  });

  it('refuses {{id}} for a value outside the safe charset', () => {
    expect(() => renderString('{{id v}}', { v: 'a b' })).toThrow(/refused/);
  });

  it('fails on a missing value instead of printing nothing (strict)', () => {
    expect(() => renderString('{{json missing}}', {})).toThrow(/missing/);
  });

  it('keeps GitHub Actions expressions in a raw block', () => {
    expect(renderString('{{{{raw}}}}${{ github.sha }}{{{{/raw}}}} {{json v}}', { v: 1 })).toBe('${{ github.sha }} 1');
  });
});

describe('renderTree', () => {
  it('renders .hbs, copies .raw and plain files verbatim, and turns _dotfiles into .dotfiles', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'shovel-tree-'));
    await mkdir(path.join(root, '_github/workflows'), { recursive: true });
    await writeFile(path.join(root, '_gitignore'), 'node_modules\n');
    await writeFile(path.join(root, '_github/workflows/ci.yml.hbs'), 'name: {{yaml name}}\n');
    await writeFile(path.join(root, 'route.ts.hbs.raw'), 'export const {{name}} = 1;\n');
    await writeFile(path.join(root, 'plain.txt'), '{{name}}');
    const files = await renderTree(root, { name: 'svc' });
    expect(files.map((f) => [f.path, f.contents.toString()])).toEqual([
      ['.github/workflows/ci.yml', 'name: "svc"\n'],
      ['.gitignore', 'node_modules\n'],
      ['plain.txt', '{{name}}'],
      ['route.ts.hbs', 'export const {{name}} = 1;\n'],
    ]);
  });
});
