import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { SHOVEL_BIN, tempDir } from '../support/cli.js';
import { Pty, ptyAvailable } from '../support/pty.js';

const missing = ptyAvailable();
if (missing && process.env.CI === 'true') throw new Error(`shovel init interactive tests ${missing}`);

async function repo(): Promise<string> {
  const dir = path.join(await tempDir('shovel-init-tty-'), 'search');
  await mkdir(dir);
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM debian:12\nEXPOSE 9200\nHEALTHCHECK CMD curl -f http://localhost:9200/_cluster/health\n');
  return dir;
}

describe.skipIf(missing)(`shovel init in a terminal${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let pty: Pty | undefined;
  afterEach(() => pty?.kill());

  it('proposes the Dockerfile values, asks only for what flags did not give, re-asks on bad input', async () => {
    const dir = await repo();
    pty = new Pty(`node ${SHOVEL_BIN} init --instances 1`, { cwd: dir });
    await pty.answer('Service name (search)', '');
    await pty.answer('Main port the software listens on in its container (9200)', '');
    await pty.answer('Public URL host', 'search.example.com');
    await pty.answer('CPUs per instance (0.25)', '2');
    await pty.answer('Memory per instance (MiB) (256)', '99999999');
    await pty.waitFor(/Memory per instance \(MiB\) must be a whole number from 32 to 262144/);
    pty.send('\u0015');
    await pty.answer('must be a whole number from 32 to 262144', '2048');
    await pty.answer('Image registry/repository prefix (127.0.0.1:5000)', '');
    await pty.answer('Marathon URL', '');
    await pty.answer('Marathon group (/)', '');
    await pty.answer('Health check path (HTTP, answers 200 when healthy) (/_cluster/health)', '');
    expect(await pty.exited).toBe(0);
    expect(pty.screen).not.toMatch(/\? Instances/);
    expect(pty.screen).toContain('Wrote shovel.yml: service search');
    const { config } = await loadConfig(dir);
    expect(config).toMatchObject({
      service: { id: 'search' },
      resources: { cpus: 2, memory: 2048, instances: 1 },
      ports: [{ name: 'http', containerPort: 9200, public: true }],
      publicHost: 'search.example.com',
      health: { liveness: { type: 'http', path: '/_cluster/health', port: 'http' } },
    });
  });

  it('Ctrl-C at a question exits 130 and writes nothing', async () => {
    const dir = await repo();
    pty = new Pty(`node ${SHOVEL_BIN} init`, { cwd: dir });
    await pty.waitFor('Service name');
    pty.send('\u0003');
    expect(await pty.exited).toBe(130);
    expect(pty.screen).toContain('nothing was written');
    expect(await readdir(dir)).toEqual(['Dockerfile']);
  });
});
