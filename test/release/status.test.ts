/**
 * `shovel status` on Marathon counts healthy tasks of the current definition only: app-wide
 * tasksHealthy counts tasks of every version (TaskStatsByVersion.scala: withLatestConfig).
 */
import { describe, expect, it } from 'vitest';
import { formatStatus, runsCurrentConfig, type ServiceStatus } from '../../src/release/status.js';

const CONFIG = '2026-01-02T00:00:00.000Z';
const SCALED = '2026-01-03T00:00:00.000Z';
const OLD = '2026-01-01T00:00:00.000Z';

describe('runsCurrentConfig', () => {
  it.each<[string, string, boolean]>([
    ['started with the current config', CONFIG, true],
    ['started after a later scale of it', SCALED, true],
    ['an older definition', OLD, false],
    ['no version', '', false],
  ])('%s', (_name, taskVersion, expected) => {
    expect(runsCurrentConfig(taskVersion, { version: SCALED, versionInfo: { lastConfigChangeAt: CONFIG } })).toBe(expected);
  });
});

describe('formatStatus', () => {
  it('says how many tasks run other versions', () => {
    const status: ServiceStatus = {
      service: 'orders',
      appId: '/orders',
      target: 'marathon',
      version: SCALED,
      instances: 2,
      healthy: 1,
      tasks: [
        { id: 't1', version: CONFIG, state: 'TASK_RUNNING', live: true, current: true },
        { id: 't2', version: OLD, state: 'TASK_RUNNING', live: true, current: false },
      ],
    };
    const text = formatStatus(status);
    expect(text).toContain('healthy: 1/2 (tasks of this version)');
    expect(text).toContain('tasks of other versions: 1');
  });
});

describe('formatStatus on the docker target', () => {
  it("shows each container's address, its checks and docker's own health status", () => {
    const status: ServiceStatus = {
      service: 'store',
      appId: '/store',
      target: 'docker',
      version: '1.0.0-abc1234',
      instances: 2,
      healthy: 1,
      tasks: [
        { id: 'shovel-store-1.0.0-abc1234-0', version: '1.0.0-abc1234', url: 'tcp://127.0.0.1:7000', state: 'running', ready: true, dockerHealth: 'healthy' },
        { id: 'shovel-store-1.0.0-abc1234-1', version: '1.0.0-abc1234', url: 'tcp://127.0.0.1:7001', state: 'running', ready: true, dockerHealth: 'unhealthy' },
      ],
    };
    const text = formatStatus(status);
    expect(text).toContain('healthy: 1/2\n');
    expect(text).toContain('  - shovel-store-1.0.0-abc1234-0 1.0.0-abc1234 running tcp://127.0.0.1:7000 ready=yes docker=healthy');
    expect(text).toContain('docker=unhealthy');
  });
});
