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
    expect(config.health.readiness).toBe('/health/ready');
    expect(config.release.deadlineSeconds).toBe(600);
  });

  it('lists EVERY problem with the line of its value', () => {
    const text = VALID.replace('id: orders-api', 'id: Orders').replace('cpus: 0.5', 'cpus: "lots"').replace('http: 8080', 'http: 80');
    expect(problems(text)).toEqual([
      'shovel.yml:2: service.id must use only lowercase letters, digits and hyphens (a DNS label, an npm name and a Marathon app id)',
      'shovel.yml:6: resources.cpus must be a number (got string)',
      'shovel.yml:10: ports.http must be at least 1024',
    ]);
  });

  it('reports a missing key at its parent, and unknown keys at the key', () => {
    const text = VALID.replace('  repository: 127.0.0.1:5000/orders-api\n', '  repo: x\n');
    expect(problems(text)).toEqual([
      'shovel.yml:3: image.repository must be set (a string)',
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
    expect(lines).toContain('shovel.yml:1: service must be set (an object)');
    expect(lines.length).toBe(5);
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
    expect(error.details).toEqual(['other.yml:7: resources.memory must be at least 32']);
  });
});
