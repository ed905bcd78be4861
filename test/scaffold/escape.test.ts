import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { parseSync } from 'oxc-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import * as escape from '../../src/scaffold/escape.js';
import { hasControlChars } from '../../src/inputs/rules.js';

/** Strings a description may hold: anything printable, newlines and tabs, emoji, template syntax. */
export const freeText = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.string({ unit: fc.constantFrom(...'\'"\\`${}<>/&\n\t#*_[]()!|:-'.split(''), '{{', '${', '</script>', '🚀', 'é'), maxLength: 40 }),
  )
  .filter((s) => !hasControlChars(s, true));

const HOSTILE = [
  'It\'s "quoted" \\ back\\slash',
  'line one\nline two\n',
  '{{name}} {{{raw}}} ${process.exit(1)} `tick`',
  '</script><script>alert(1)</script>',
  'emoji 🚀👩‍👩‍👧 and ünïcödé',
  '# not a heading\n- not a list\n1. not a list',
  '    indented\ttab',
  "'; rm -rf / #",
];

describe('escapers round-trip', () => {
  it('JSON', () => {
    for (const s of HOSTILE) expect(JSON.parse(escape.jsonLiteral(s))).toBe(s);
    fc.assert(fc.property(freeText, (s) => JSON.parse(escape.jsonLiteral(s)) === s));
  });

  it('YAML double-quoted scalar, as a value and inside a document', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(parseYaml(`key: ${escape.yamlLiteral(s)}\nnext: 1\n`)).toEqual({ key: s, next: 1 });
      }),
    );
    for (const s of HOSTILE) expect(parseYaml(`a: ${escape.yamlLiteral(s)}`)).toEqual({ a: s });
  });

  it('TypeScript string literal', () => {
    const check = (s: string) => {
      const { program, errors } = parseSync('x.ts', `export const d: string = ${escape.tsLiteral(s)};`);
      expect(errors).toEqual([]);
      const decl = (program.body[0] as any).declaration.declarations[0];
      expect(decl.init.value).toBe(s);
    };
    HOSTILE.forEach(check);
    fc.assert(fc.property(freeText, (s) => check(s)));
  });

  it('Markdown text renders to exactly the value', () => {
    const md = new MarkdownIt({ html: true, breaks: false });
    const rendered = (s: string) => {
      const tokens = md.parseInline(escape.markdownText(s), {})[0]!.children!;
      return tokens.map((t) => (t.type === 'hardbreak' ? '\n' : t.type === 'text' || t.type === 'text_special' ? t.content : `<${t.type}>`)).join('');
    };
    for (const s of HOSTILE.map((h) => h.replace(/\n+$/, ''))) expect(rendered(s)).toBe(s);
    fc.assert(
      fc.property(freeText.filter((s) => !/\n$/.test(s) && !/^\n/.test(s)), (s) => {
        expect(rendered(s)).toBe(s);
      }),
    );
  });

  it('shell word', async () => {
    const { execFileSync } = await import('node:child_process');
    for (const s of [...HOSTILE, '']) {
      expect(execFileSync('sh', ['-c', `printf %s ${escape.shellWord(s)}`], { encoding: 'utf8' })).toBe(s);
    }
  });

  it('Dockerfile word refuses newlines instead of changing the value', () => {
    expect(escape.dockerfileWord('a "b" $HOME \\')).toBe('"a \\"b\\" \\$HOME \\\\"');
    expect(() => escape.dockerfileWord('a\nb')).toThrow(/build argument/);
  });
});
