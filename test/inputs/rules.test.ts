import { describe, expect, it } from 'vitest';
import * as rules from '../../src/inputs/rules.js';

const ok = undefined;
type Row<T> = [T, RegExp | undefined];

function table<T>(rule: rules.Rule<T>, rows: Row<T>[]) {
  for (const [value, broken] of rows) {
    it(`${JSON.stringify(value)} -> ${broken ? broken.source : 'valid'}`, () => {
      const result = rule(value);
      if (broken) expect(result).toMatch(broken);
      else expect(result).toBeUndefined();
    });
  }
}

describe('serviceName', () =>
  table(rules.serviceName, [
    ['orders', ok],
    ['orders-api', ok],
    ['a1', ok],
    ['a'.repeat(63), ok],
    ['a'.repeat(64), /at most 63/],
    ['', /not be empty/],
    ['Orders', /lowercase/],
    ['orders_api', /lowercase/],
    ['../x', /lowercase/],
    ['/abs', /lowercase/],
    ['1orders', /start with a lowercase letter/],
    ['-orders', /start with a lowercase letter/],
    ['orders-', /not end with a hyphen/],
    ['http', /reserved npm name/],
    ['node_modules', /lowercase/],
    ['fs', /reserved npm name/],
    ['app-versions', /Marathon/],
    ['restart', /Marathon/],
    ['orders.v2', /lowercase letters, digits and hyphens/],
    ['ordérs', /lowercase/],
  ]));

describe('multiLineText', () =>
  table(rules.multiLineText(20), [
    ['It\'s "quoted" \\ {{x}} ${y} </script> 🚀', /at most 20/],
    ['line one\nline two', ok],
    ['tab\there', ok],
    ['🚀'.repeat(20), ok],
    ['🚀'.repeat(21), /at most 20/],
    ['bell\u0007', /control characters/],
    ['esc\u001b[31m', /control characters/],
    ['del\u007f', /control characters/],
    ['   ', /not be empty/],
  ]));

describe('singleLineText', () =>
  table(rules.singleLineText(64), [
    ['Payments & Billing', ok],
    ['two\nlines', /one line/],
    ['', /not be empty/],
  ]));

describe('inRange', () => {
  table(rules.inRange('port'), [
    [8080, ok],
    [1023, /from 1024 to 65535/],
    [65536, /from 1024 to 65535/],
    [8080.5, /whole number/],
    [Number.NaN, /whole number/],
  ]);
  table(rules.inRange('instances'), [
    [1, ok],
    [1000, ok],
    [0, /from 1 to 1000/],
    [1001, /from 1 to 1000/],
  ]);
  table(rules.inRange('cpus'), [
    [0.25, ok],
    [0, /from 0.01 to 64/],
    [Number.POSITIVE_INFINITY, /from 0.01 to 64/],
  ]);
});

describe('hostName', () =>
  table(rules.hostName, [
    ['', ok],
    ['orders.example.com', ok],
    ['orders', /DNS host name/],
    ['https://orders.example.com', /DNS host name/],
    ['orders.example.com:443', /DNS host name/],
    ['Orders.Example.com', /DNS host name/],
    ['-x.example.com', /DNS host name/],
  ]));

describe('imagePrefix / imageRepository', () => {
  table(rules.imagePrefix, [
    ['127.0.0.1:5000', ok],
    ['registry.example.com:5000/payments', ok],
    ['payments', ok],
    ['', /registry host/],
    ['Registry.example.com', /registry host/],
    ['registry.example.com/', /registry host/],
    ['registry.example.com/x:tag', /registry host/],
  ]);
  table(rules.imageRepository, [
    ['127.0.0.1:5000/orders', ok],
    ['orders', ok],
    ['127.0.0.1:5000', /Docker repository/],
  ]);
});

describe('baseImage', () =>
  table(rules.baseImage, [
    ['node:26-bookworm-slim', ok],
    ['registry.example.com:5000/base/node:26', ok],
    [`node@sha256:${'a'.repeat(64)}`, ok],
    ['node', /tag or digest/],
    ['node:latest', /latest/],
    ['node:26 ; rm -rf /', /Docker image reference/],
  ]));

describe('httpUrl', () =>
  table(rules.httpUrl, [
    ['', ok],
    ['https://marathon.example.com:8443', ok],
    ['http://127.0.0.1:8080/', ok],
    ['ftp://marathon', /http/],
    ['marathon.example.com', /http/],
    ['https://user:secret@marathon.example.com', /credentials/],
    ['https://marathon.example.com/?x=1', /query/],
  ]));

describe('marathonGroup', () =>
  table(rules.marathonGroup, [
    ['/', ok],
    ['/payments', ok],
    ['/payments/eu-west.1', ok],
    ['payments', /absolute path/],
    ['/payments/', /absolute path/],
    ['/Payments', /segments/],
    ['/pay ments', /segments/],
    ['//x', /segments/],
  ]));

describe('hasControlChars', () => {
  it('allows newline and tab only when asked', () => {
    expect(rules.hasControlChars('a\nb', true)).toBe(false);
    expect(rules.hasControlChars('a\nb', false)).toBe(true);
    expect(rules.hasControlChars('a\u0085b', true)).toBe(true);
    expect(rules.hasControlChars('emoji 🚀 ünïcödé', false)).toBe(false);
  });
});
