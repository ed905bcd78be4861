/**
 * deployToMarathon with a service that keeps data on a local persistent volume, against the
 * stand-in with in-process tasks: the release replaces the task on the same volume (old task
 * first), and an update Marathon would refuse for a resident app (volumes or resources
 * changed) is refused before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shovelConfigSchema, type ShovelConfigInput } from '../../src/config/schema.js';
import type { MarathonClient } from '../../src/marathon/client.js';
import { deployToMarathon, type DeployOptions } from '../../src/marathon/deploy.js';
import { renderAppDefinition } from '../../src/marathon/render.js';
import { residentUpdateProblems } from '../../src/marathon/validate.js';
import type { MarathonStandin } from '../support/marathon-standin/index.js';
import { failure, QUICK_SERVICE, startInProcessStandin } from './in-process-standin.js';

function definition(id: string, overrides: Partial<ShovelConfigInput> = {}) {
  const config = shovelConfigSchema.parse({
    service: { id, group: '/pv' },
    image: { ref: 'standin/healthy:1' },
    resources: { cpus: 0.1, memory: 32, instances: 1 },
    ...QUICK_SERVICE,
    volumes: [{ containerPath: '/data', persistent: { size: 64 } }],
    ...overrides,
  });
  return renderAppDefinition(config, { image: 'standin/healthy:1', dialect: '1.x' });
}

describe('deployToMarathon, resident app', () => {
  let standin: MarathonStandin;
  let client: MarathonClient;
  const options = (appId: string, def: Record<string, unknown>): DeployOptions => ({ appId, definition: def, deadlineMs: 5000, onFirstFailure: 'scale-to-zero', pollIntervalMs: 100 });
  beforeAll(async () => {
    ({ standin, client } = await startInProcessStandin());
  });
  afterAll(() => standin.close());

  it('a configuration change is healthy on the same reservation and volume, the data kept', async () => {
    await deployToMarathon(client, options('/pv/db', definition('db')));
    const volume = standin.app('/pv/db')!.reservations[0]!.volumes[0]!;
    volume.data.set('rows', '42');
    const first = standin.app('/pv/db')!.tasks[0]!.id;
    const result = await deployToMarathon(client, options('/pv/db', definition('db', { env: { MODE: 'changed' } })));
    expect(result.outcome).toBe('healthy');
    const [task] = standin.app('/pv/db')!.tasks;
    expect(task!.id).not.toBe(first);
    expect(task!.reservation!.volumes[0]).toBe(volume);
    expect(volume.data.get('rows')).toBe('42');
    expect(standin.app('/pv/db')!.reservations).toHaveLength(1);
  });

  it.each<[string, Partial<ShovelConfigInput>, RegExp]>([
    ['memory', { resources: { cpus: 0.1, memory: 64, instances: 1 } }, /^mem: 32 -> 64/],
    ['the volume size', { volumes: [{ containerPath: '/data', persistent: { size: 128 } }] }, /^persistent volumes: data \(64 MiB\) -> data \(128 MiB\)/],
    ['no volume any more', { volumes: [] }, /^persistent volumes: data \(64 MiB\) -> none/],
  ])('changing %s is refused before anything is sent (Marathon would answer 422)', async (_name, overrides, detail) => {
    const puts = standin.faults.putBodies.length;
    const error = await failure(deployToMarathon(client, options('/pv/db', definition('db', overrides))));
    expect(error).toMatchObject({ code: 'SHOVEL_ERR_MARATHON_STATEFUL', exitCode: 2 });
    expect(error.details.join('\n')).toMatch(detail);
    expect(standin.faults.putBodies.length).toBe(puts);
  });

  it('adding the first persistent volume to a running app is refused too', async () => {
    await deployToMarathon(client, options('/pv/plain', definition('plain', { volumes: [] })));
    const error = await failure(deployToMarathon(client, options('/pv/plain', definition('plain'))));
    expect(error).toMatchObject({ code: 'SHOVEL_ERR_MARATHON_STATEFUL' });
    expect(error.details).toEqual(['persistent volumes: none -> data (64 MiB) (they can never change)']);
  });
});

describe('residentUpdateProblems (state/AppDefinition.scala residentUpdateIsValid)', () => {
  const app = (mem: number, size?: number, extra: Record<string, unknown> = {}) => ({
    id: '/a',
    cpus: 1,
    mem,
    container: { type: 'DOCKER', volumes: size === undefined ? [] : [{ containerPath: 'data', mode: 'RW', persistent: { type: 'root', size, constraints: [] } }] },
    ...extra,
  });
  it.each<[string, Record<string, unknown> | undefined, Record<string, unknown>, string[]]>([
    ['a first release', undefined, app(64, 10), []],
    ['neither resident', app(64), app(128), []],
    ['same volumes and resources (Marathon adds type and constraints in its reply)', app(64, 10), { ...app(64, 10), container: { volumes: [{ containerPath: 'data', mode: 'RW', persistent: { size: 10 } }] } }, []],
    ['disk absent on one side means 0', app(64, 10, { disk: 0 }), app(64, 10), []],
    ['cpus changed', app(64, 10), { ...app(64, 10), cpus: 2 }, ['cpus: 1 -> 2 (resources of an app with persistent volumes cannot change)']],
  ])('%s', (_name, current, next, expected) => expect(residentUpdateProblems(current, next)).toEqual(expected));
});
