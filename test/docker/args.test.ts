import { describe, expect, it } from 'vitest';
import { buildArgs } from '../../src/docker/build.js';
import { runArgs } from '../../src/docker/containers.js';
import { formatCommand } from '../../src/docker/exec.js';

describe('docker command lines', () => {
  it('build: host network, BuildKit progress, build args and OCI labels', () => {
    const args = buildArgs({
      ref: '127.0.0.1:5000/orders:1.0.0-abc1234',
      nodeImage: 'node:26-bookworm-slim',
      version: '1.0.0',
      revision: 'abc1234def',
      created: '2024-05-01T00:00:00.000Z',
      description: 'Takes orders',
      title: 'orders',
      service: 'orders',
    });
    expect(args.slice(0, 4)).toEqual(['build', '--network', 'host', '--progress']);
    expect(args).toContain('NODE_IMAGE=node:26-bookworm-slim');
    expect(args).toContain('REVISION=abc1234def');
    expect(args).toContain('org.opencontainers.image.revision=abc1234def');
    expect(args).toContain('shovel.service=orders');
    expect(args.at(-1)).toBe('.');
  });

  it('build: no NODE_IMAGE arg when none is configured (the Dockerfile default applies)', () => {
    const args = buildArgs({ ref: 'x:1', version: '1', revision: 'r', created: 'c', title: 't', service: 's' });
    expect(args.some((a) => a.startsWith('NODE_IMAGE='))).toBe(false);
  });

  it('run: detached, host network, labels, PORT/METRICS_PORT win over config env', () => {
    const args = runArgs({
      name: 'shovel-orders-1.0.0-abc1234',
      image: 'x:1',
      service: 'orders',
      version: '1.0.0-abc1234',
      port: 40001,
      metricsPort: 40002,
      env: { GREETING: 'hi', PORT: '1' },
      stopTimeoutSeconds: 20,
    });
    expect(args.slice(0, 4)).toEqual(['run', '--detach', '--network', 'host']);
    expect(args).toContain('shovel.service=orders');
    expect(args).toContain('PORT=40001');
    // PID 1 is node: docker's init reaps orphans and forwards SIGTERM.
    expect(args).toContain('--init');
    expect(args).not.toContain('PORT=1');
    expect(args).toContain('METRICS_PORT=40002');
    expect(args).toContain('GREETING=hi');
    expect(args.at(-1)).toBe('x:1');
  });

  it('formats commands so they can be pasted into a shell', () => {
    expect(formatCommand('docker', ['build', '--label', 'a=b c', "it's"])).toBe(`docker build --label 'a=b c' 'it'\\''s'`);
  });
});
