import fc from 'fast-check';
import Handlebars from 'handlebars';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/inputs/resolve.js';
import { renderFunctionSource } from '../../src/scaffold/codegen.js';
import { compileForBuild, compileTemplate } from '../../src/scaffold/compile.js';
import { templateData } from '../../src/scaffold/template-data.js';
import { readTemplateTree } from '../../src/scaffold/template-tree.js';
import { TEMPLATE_RUNTIME, type CompiledRender } from '../../src/scaffold/template-runtime.js';
import { templatesDir } from '../../src/util/self.js';

/** The build's render function of a template, or undefined when it falls back to a spec. */
function generated(source: string): ((data: object) => string) | undefined {
  const code = renderFunctionSource(Handlebars.parse(source));
  if (code === undefined) return undefined;
  const render = new Function(`return ${code};`)() as CompiledRender;
  return (data) => render(data, TEMPLATE_RUNTIME);
}

/** Handlebars parses it and the build accepts it (every mustache through a value helper). */
function accepted(source: string): boolean {
  try {
    compileTemplate(source, 'test.hbs');
    return true;
  } catch {
    return false;
  }
}

/** What a render gives: its output, or the message it fails with. */
function outcome(render: (data: object) => string, data: object): { out: string } | { error: string } {
  try {
    return { out: render(data) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Handlebars (the compiler, as tests and unbuilt runs use it) and the build's function agree. */
function expectSame(source: string, data: object): void {
  const own = generated(source);
  expect(own, `compiled to JavaScript: ${source}`).toBeDefined();
  expect(outcome(own!, data)).toEqual(outcome(compileTemplate(source, 'test.hbs'), data));
}

describe('templates compiled to JavaScript', () => {
  it('render every template of the service exactly as Handlebars does', async () => {
    const templates = (await readTemplateTree(path.join(templatesDir(), 'service'))).filter((f) => f.template);
    expect(templates.length).toBeGreaterThan(5);
    const text = fc.string({ unit: fc.constantFrom(...'ab \'"\\`${}<>/&\n\t#*_[]()!|:-'.split(''), '{{', '🚀', 'é', '\u2028'), minLength: 1, maxLength: 40 });
    const inputs = fc.record({
      description: text,
      team: text,
      publicHost: fc.constantFrom('', 'orders.example.com'),
      marathonUrl: fc.constantFrom('', 'https://marathon.example.com'),
      marathonGroup: fc.constantFrom('/', '/payments'),
      port: fc.integer({ min: 1024, max: 65535 }),
    });
    fc.assert(
      fc.property(inputs, (given) => {
        let answers;
        try {
          answers = withDefaults({ name: 'orders', ...given });
        } catch {
          fc.pre(false);
          return;
        }
        const data = templateData(answers);
        for (const t of templates) {
          const source = t.contents.toString('utf8');
          expect(generated(source), t.source).toBeDefined();
          expect(outcome(generated(source)!, data), t.source).toEqual(outcome(compileTemplate(source, t.source), data));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('keep Handlebars whitespace control, blocks, comments, raw blocks and literals', () => {
    const data = { a: 'x"y', n: 0, yes: true, no: false, empty: [], list: [1], nil: null, obj: { deep: { v: 'd' } }, fn: () => 'called' };
    const cases = [
      '',
      'plain text only',
      '{{json a}}',
      'a{{json a}}b{{num n}}c\n',
      '{{~json a~}}  \n  {{json a}}',
      '  {{#if yes}}\n  kept\n  {{/if}}\nafter\n',
      '{{#if no}}\nno\n{{else}}\nelse\n{{/if}}\n',
      '{{#if n}}zero is false{{else if yes}}chained{{else}}last{{/if}}',
      '{{#if empty}}[] is false{{else}}empty{{/if}} {{#if list}}[1] is true{{/if}}',
      '{{#unless no}}unless{{else}}not{{/unless}} {{^if no}}inverted{{/if}}',
      '{{#if nil}}x{{/if}}{{#if missing}}x{{else}}missing{{/if}}{{#if fn}}{{json a}}{{/if}}',
      '{{! a comment }}\n  {{!-- a long comment --}}\ntext {{json obj.deep.v}}',
      '{{{{raw}}}}\n${{ github.sha }} {{json a}}\n{{{{/raw}}}}\nafter {{{{raw}}}}{{x}}{{{{/raw}}}}',
      '{{json (eq a "x\\"y")}} {{json (eq n 0)}} {{jsonBlock obj 2}} {{json true}} {{json null}} {{num 1.5}}',
      '{{#if (eq a "x\\"y")}}equal{{/if}}',
      '{{{id "triple"}}} {{&id "amp"}}',
    ];
    for (const source of cases) expectSame(source, data);
  });

  it('fail the same way on missing data and refused values', () => {
    const data = { v: 'a b', obj: {}, proto: Object.create({ inherited: 'x' }) };
    for (const source of ['{{json missing}}', '{{id v}}', '{{json obj.a.b}}', '{{json proto.inherited}}', '{{num v}}', '{{docker "a\nb"}}', '{{json undefined}}']) {
      expectSame(source, data);
      expect(outcome(generated(source)!, data)).toHaveProperty('error');
    }
  });

  it('agree with Handlebars on generated templates', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\t', '{', '}', '"', '\\', '\u2028', 'é'), maxLength: 8 });
    const path = fc.constantFrom('s', 'n', 'zero', 'flag', 'off', 'nil', 'empty', 'o.k', 'o.missing');
    const value = fc.oneof(path, fc.constantFrom('"lit"', '3', 'true', '(eq s "s")', '(eq n 3)'));
    const mustache = fc.tuple(fc.constantFrom('json', 'yaml', 'ts', 'md', 'sh', 'num', 'jsonBlock'), value, fc.constantFrom('{{', '{{~'), fc.constantFrom('}}', '~}}')).map(([h, v, open, close]) => `${open}${h} ${v}${close}`);
    const template: fc.Arbitrary<string> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        mustache,
        fc.constant('{{! note }}'),
        fc.constant('{{{{raw}}}}{{x}} ${{ y }}{{{{/raw}}}}'),
        fc
          .tuple(fc.constantFrom('if', 'unless'), path, tie('body'), fc.option(tie('body')), fc.constantFrom('', '\n', '  '))
          .map(([name, cond, yes, no, nl]) => `${nl}{{#${name} ${cond}}}${nl}${yes}${no === null ? '' : `${nl}{{else}}${nl}${no}`}${nl}{{/${name}}}${nl}`),
      ),
      body: fc.array(tie('node'), { maxLength: 4 }).map((parts) => (parts as string[]).join('')),
    })).body as fc.Arbitrary<string>;
    const data = { s: 's', n: 3, zero: 0, flag: true, off: false, nil: null, empty: [], o: { k: 'k' } };
    fc.assert(
      fc.property(template, (source) => {
        // Braces in the text can make a broken template, or a mustache the build refuses.
        fc.pre(accepted(source));
        expectSame(source, data);
      }),
      { numRuns: 300 },
    );
  });

  it('leave what they do not cover to the Handlebars runtime', () => {
    for (const source of ['{{#each list}}{{json this}}{{/each}}', '{{#with obj}}{{json v}}{{/with}}', '{{json @root.a}}', '{{json ../a}}', '{{json a x=1}}']) {
      expect(renderFunctionSource(Handlebars.parse(source)), source).toBeUndefined();
      expect(compileForBuild(source, 'test.hbs')).toHaveProperty('spec');
    }
    expect(compileForBuild('{{json a}}', 'test.hbs')).toHaveProperty('render');
    expect(() => compileForBuild('{{a}}', 'x.hbs')).toThrow(/without an escaping helper/);
  });
});
