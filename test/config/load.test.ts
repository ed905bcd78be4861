import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatKeyPath, loadConfig, parseConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';

const VALID = `service:
  id: orders-api
image:
  repository: 127.0.0.1:5000/orders-api
resources:
  cpus: 0.5
  memory: 256
  instances: 2
ports:
  http: 8080
  metrics: 9090
health: {}
`;

function problems(text: string): string[] {
  try {
    parseConfig(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).details;
  }
  throw new Error('expected the config to be refused');
}

describe('parseConfig', () => {
  it('accepts a valid config and applies defaults', () => {
    const config = parseConfig(VALID);
    expect(config.service.group).toBe('/');
    expect(config.health.readiness).toEqual({ type: 'http', path: '/health/ready', port: 'http' });
    expect(config.release.deadlineSeconds).toBe(600);
  });

  it('lists EVERY problem with the line of its value', () => {
    const text = VALID.replace('id: orders-api', 'id: Orders').replace('cpus: 0.5', 'cpus: "lots"').replace('http: 8080', 'http: 80');
    expect(problems(text)).toEqual([
      'shovel.yml:2: service.id must use only lowercase letters, digits and hyphens (a DNS label, an npm name and a Marathon app id)',
      'shovel.yml:6: resources.cpus must be a number (got string)',
      'shovel.yml:10: ports.http must be a whole number from 1024 to 65535',
    ]);
  });

  it('names what a value of the wrong type is, from the value itself', () => {
    expect(problems(VALID.replace('health: {}', 'health: [1]'))).toEqual(['shovel.yml:12: health must be an object (got array)']);
    expect(problems(VALID.replace('health: {}', 'health:'))).toEqual(['shovel.yml:12: health must be an object (got null)']);
  });

  it('reports a missing key at its parent, and unknown keys at the key', () => {
    const text = VALID.replace('  repository: 127.0.0.1:5000/orders-api\n', '  repo: x\n');
    expect(problems(text)).toEqual([
      'shovel.yml:3: image.repository must be set (a string), or image.ref to deploy an image without building',
      'shovel.yml:4: image.repo must not be set (unknown key)',
    ]);
  });

  it('reports cross-field rules at the key they name', () => {
    const text = `${VALID}killGracePeriodSeconds: 5\n`;
    expect(problems(text)).toEqual([
      'shovel.yml:13: killGracePeriodSeconds must exceed shutdown.delayMs + shutdown.timeoutMs (15000 ms), or Marathon kills tasks mid-drain',
    ]);
  });

  it('phrases enums and ranges as "must"', () => {
    const text = `${VALID}release:\n  onFirstFailure: explode\n  deadlineSeconds: 1\n`;
    expect(problems(text)).toEqual([
      'shovel.yml:14: release.onFirstFailure must be one of "scale-to-zero", "remove"',
      'shovel.yml:15: release.deadlineSeconds must be at least 10',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parseConfig('service:\n  id: a\n  id: b\n')).toThrow(UsageError);
    expect(problems('service:\n  id: a\n  id: b\n')[0]).toMatch(/^shovel\.yml:3: /);
  });

  it('refuses an empty file, naming the required sections', () => {
    const lines = problems('');
    expect(lines).toEqual([
      'shovel.yml:1: service must be set (an object)',
      'shovel.yml:1: image must be set (an object)',
      'shovel.yml:1: resources must be set (an object)',
    ]);
  });
});

describe('formatKeyPath', () => {
  it.each([
    [['a', 'b'], 'a.b'],
    [['env', 'FOO'], 'env.FOO'],
    [['list', 2, 'x'], 'list[2].x'],
    [[], '(top level)'],
  ] as const)('%j -> %s', (keys, expected) => expect(formatKeyPath(keys)).toBe(expected));
});

describe('loadConfig', () => {
  it('names the file it could not find (usage error, exit 2)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-load-'));
    const error = await loadConfig(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toContain(path.join(dir, 'shovel.yml'));
  });

  it('reads --config relative to cwd and names it in errors', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-load-'));
    await writeFile(path.join(dir, 'other.yml'), VALID.replace('memory: 256', 'memory: 1'));
    const error = (await loadConfig(dir, 'other.yml').catch((e: unknown) => e)) as UsageError;
    expect(error.details).toEqual(['other.yml:7: resources.memory must be a whole number from 32 to 262144']);
  });
});

describe('shovel.yml and the create-shovel inputs agree', () => {
  // [input, shovel.yml key, value, accepted]: one table both must follow.
  const rows: [string, string, string, boolean][] = [
    ['instances', 'resources.instances', '0', false],
    ['instances', 'resources.instances', '1', true],
    ['instances', 'resources.instances', '1001', false],
    ['memory', 'resources.memory', '31', false],
    ['memory', 'resources.memory', '262144', true],
    ['cpus', 'resources.cpus', '0.001', false],
    ['cpus', 'resources.cpus', '64', true],
    ['port', 'ports.http', '1023', false],
    ['port', 'ports.http', '65535', true],
    ['name', 'service.id', 'Bad_Name!', false],
    ['name', 'service.id', 'app-versions', false],
    ['name', 'service.id', 'orders', true],
    ['marathon-group', 'service.group', '/Pay', false],
    ['marathon-group', 'service.group', '/pay.v2/eu', true],
    ['node-image', 'image.nodeImage', 'node:latest', false],
    ['node-image', 'image.nodeImage', 'node', false],
    ['node-image', 'image.nodeImage', 'node:26-bookworm-slim', true],
  ];
  const withValue = (key: string, value: string) => {
    const lines = VALID.split('\n');
    const [section, field] = key.split('.') as [string, string];
    const at = lines.findIndex((l) => l === `${section}:`);
    const existing = lines.findIndex((l, i) => i > at && l.startsWith(`  ${field}:`) && lines.slice(at + 1, i).every((x) => x.startsWith('  ')));
    const line = `  ${field}: ${JSON.stringify(/^[\d.]+$/.test(value) ? Number(value) : value)}`;
    if (existing >= 0) lines[existing] = line;
    else lines.splice(at + 1, 0, line);
    return lines.join('\n');
  };

  it.each(rows)('--%s / %s = %s (accepted: %s)', async (flag, key, value, accepted) => {
    const { validateGiven } = await import('../../src/inputs/resolve.js');
    const { INPUTS } = await import('../../src/inputs/schema.js');
    const input = INPUTS.find((i) => i.flag === flag)!;
    const inputAccepted = (() => {
      try {
        validateGiven({ [input.key]: value });
        return true;
      } catch {
        return false;
      }
    })();
    const configAccepted = (() => {
      try {
        parseConfig(withValue(key, value));
        return true;
      } catch {
        return false;
      }
    })();
    expect({ inputAccepted, configAccepted }).toEqual({ inputAccepted: accepted, configAccepted: accepted });
  });
});

describe('marathon.url', () => {
  it.each(['http://127.0.0.1:8080', 'http://[::1]:8080', 'https://marathon.example.com/service/marathon'])('accepts %s (and so does its JSON Schema pattern)', async (url) => {
    const { PATTERNS } = await import('../../src/config/schema.js');
    expect(parseConfig(`${VALID}marathon:\n  url: ${JSON.stringify(url)}\n`).marathon.url).toBe(url);
    expect(PATTERNS.httpUrl.test(url)).toBe(true);
  });
});
