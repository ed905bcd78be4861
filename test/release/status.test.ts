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
