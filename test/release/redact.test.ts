import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StepError, UsageError } from '../../src/errors.js';
import { Redactor, REDACTED } from '../../src/release/redact.js';

describe('Redactor', () => {
  const redactor = Redactor.fromEnv({
    SHOVEL_REGISTRY_USER: 'ci',
    SHOVEL_REGISTRY_PASSWORD: 's3cret-pw',
    MARATHON_TOKEN: 'tok/en+123',
    MARATHON_USER: 'ops',
    MARATHON_PASSWORD: 'hunter2!',
  });

  it.each([
    ['password s3cret-pw here', `password ${REDACTED} here`],
    [`basic ${Buffer.from('ci:s3cret-pw').toString('base64')}`, `basic ${REDACTED}`],
    [`b64 ${Buffer.from('hunter2!').toString('base64')}`, `b64 ${REDACTED}`],
    ['url-encoded tok%2Fen%2B123', `url-encoded ${REDACTED}`],
    ['token=tok/en+123', `token=${REDACTED}`],
    ['nothing secret', 'nothing secret'],
  ])('%s', (input, expected) => expect(redactor.text(input)).toBe(expected));

  describe('every form, and any piece of 8 characters or more', () => {
    const r = Redactor.fromEnv({ MARATHON_USER: 'deployer', MARATHON_PASSWORD: 'pa<ss>&"word-42' });
    const basic = Buffer.from('deployer:pa<ss>&"word-42').toString('base64');
    it.each([
      ['HTML-escaped (&amp; &lt; &gt; &quot;)', 'X-Pass: pa&lt;ss&gt;&amp;&quot;word-42', `X-Pass: ${REDACTED}`],
      ["HTML-escaped with &#39; for '", `v ${"it's-a-secret".replace(/'/g, '&#39;')}`, `v ${REDACTED}`, "it's-a-secret"],
      ['URL-encoded', `q=${encodeURIComponent('pa<ss>&"word-42')}`, `q=${REDACTED}`],
      ['JSON-escaped', JSON.stringify({ p: 'pa<ss>&"word-42' }), `{"p":"${REDACTED}"}`],
      ['a Basic header cut at a message limit', `Authorization: Basic ${basic.slice(0, 20)}`, `Authorization: Basic ${REDACTED}`],
      ['the tail of a cut password', 'echo: ss>&"word-42', `echo: ${REDACTED}`],
      ['the head of a cut password', 'echo: pa<ss>&"w', `echo: ${REDACTED}`],
      ['a piece shorter than 8 characters stays', 'word-42 is fine', 'word-42 is fine'],
      ['the user name is not a secret', 'user "deployer" refused', 'user "deployer" refused'],
    ])('%s', (_name, input, expected, secret?: string) => {
      const redactor = secret ? new Redactor([secret]) : r;
      expect(redactor.text(input)).toBe(expected);
    });
  });

  it('redacts JSON records deeply', () => {
    expect(redactor.json({ a: ['x s3cret-pw'], b: { c: 'hunter2!' }, n: 1 })).toEqual({ a: [`x ${REDACTED}`], b: { c: REDACTED }, n: 1 });
  });

  it('redacts every text field of errors and keeps class, code and exit code', () => {
    const step = redactor.error(
      new StepError('SHOVEL_ERR_PUSH', 'Push', 'failed with s3cret-pw', { command: 'login -p s3cret-pw', outputTail: 'hunter2!', hint: 'tok/en+123', details: ['s3cret-pw'] }),
    ) as StepError;
    expect(step).toBeInstanceOf(StepError);
    expect([step.message, step.command, step.outputTail, step.hint, ...step.details].join(' ')).not.toMatch(/s3cret|hunter2|tok\/en/);
    expect(step.step).toBe('Push');
    const usage = redactor.error(new UsageError('SHOVEL_ERR_USAGE', 'bad hunter2!')) as UsageError;
    expect(usage).toBeInstanceOf(UsageError);
    expect(usage.exitCode).toBe(2);
    expect(usage.message).toBe(`bad ${REDACTED}`);
  });

  it('redacts what is written to a wrapped stream', () => {
    const target = new PassThrough();
    let out = '';
    target.on('data', (c: Buffer) => (out += c.toString()));
    redactor.stream(target).write('line with hunter2!\n');
    expect(out).toBe(`line with ${REDACTED}\n`);
  });

  it('is a no-op without secrets', () => {
    const none = Redactor.fromEnv({});
    expect(none.empty).toBe(true);
    expect(none.text('a')).toBe('a');
  });
});
