/**
 * Progress.step is the one place that names the step an error broke: library code throws
 * StepErrors without a step, and the innermost step the error leaves attaches its name.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StepError, UNNAMED_STEP, UsageError } from '../../src/errors.js';
import { Progress } from '../../src/ui/progress.js';

function progress(): { progress: Progress; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { progress: new Progress({ stream, interactive: false }), text: () => text };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('Progress.step and errors', () => {
  it('a StepError thrown without a step gets the name of the step it was thrown in', async () => {
    const { progress: p } = progress();
    const thrown = new StepError('SHOVEL_ERR_PUSH', 'docker push failed.', { command: 'docker push x', outputTail: 'denied', hint: 'log in' });
    expect(thrown.step).toBe(UNNAMED_STEP);
    const error = await rejection(p.step('Push', () => Promise.reject(thrown)));
    expect(error).toBe(thrown);
    expect(error).toMatchObject({ step: 'Push', code: 'SHOVEL_ERR_PUSH', message: 'docker push failed.', command: 'docker push x', outputTail: 'denied', hint: 'log in', exitCode: 1 });
    expect(p.records).toEqual([{ name: 'Push', status: 'failed', ms: expect.any(Number), detail: 'docker push failed.' }]);
  });

  it('nested steps: the innermost step names the error, the outer ones do not rename it', async () => {
    const { progress: p } = progress();
    const error = await rejection(
      p.step('Outer', () => p.step('Inner', () => Promise.reject(new StepError('SHOVEL_ERR_COMMAND_FAILED', 'failed.')))),
    );
    expect(error).toMatchObject({ step: 'Inner' });
    expect(p.records.map((r) => `${r.name}:${r.status}`)).toEqual(['Inner:failed', 'Outer:failed']);
  });

  it('the runner names the step even when the code that threw named another one', async () => {
    const { progress: p } = progress();
    const error = await rejection(p.step('Deploy and wait', () => Promise.reject(new StepError('SHOVEL_ERR_MARATHON_HTTP', 'elsewhere', 'failed.'))));
    expect(error).toMatchObject({ step: 'Deploy and wait', message: 'failed.' });
  });

  it('other errors pass through unchanged', async () => {
    const { progress: p, text } = progress();
    const usage = new UsageError('SHOVEL_ERR_CONFIG_INVALID', 'bad config');
    expect(await rejection(p.step('Preflight', () => Promise.reject(usage)))).toBe(usage);
    expect(usage).not.toHaveProperty('step');
    const plain = new Error('defect');
    expect(await rejection(p.step('Build', () => Promise.reject(plain)))).toBe(plain);
    expect(text()).toContain('✖ Build');
  });

  it('a StepError thrown outside any step keeps the step its code named', () => {
    expect(new StepError('SHOVEL_ERR_GIT', 'Upgrade', 'git failed.')).toMatchObject({ step: 'Upgrade', message: 'git failed.' });
  });
});

describe('Progress.step at the same time as another step', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('without a terminal: each step its lines, both recorded with their outcome', async () => {
    const { progress: p, text } = progress();
    await Promise.all([
      p.step('Release', async (update) => {
        await tick();
        update('building');
        await tick();
      }),
      p.step('Install', async () => {
        await tick();
        throw new StepError('SHOVEL_ERR_INSTALL', 'npm ci failed.');
      }).catch((error: unknown) => error),
    ]);
    expect(p.records.map((r) => `${r.name}:${r.status}`).sort()).toEqual(['Install:failed', 'Release:ok']);
    expect(text()).toContain('  Release: building');
    expect(text()).toMatch(/✖ Install/);
    expect(text()).toMatch(/✔ Release/);
  });

  it('in a terminal: the first step keeps the one spinner, the other prints only its outcome line', async () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let text = '';
    // Colours and cursor moves are not what this checks.
    stream.on('data', (c: Buffer) => (text += c.toString().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')));
    const p = new Progress({ stream, interactive: true });
    let inner = '';
    await p.step('Release', async () => {
      await p.step('Install', async () => {
        await tick();
      });
      inner = text;
      await tick();
    });
    expect(p.records.map((r) => `${r.name}:${r.status}`)).toEqual(['Install:ok', 'Release:ok']);
    // The second step's outcome line, printed once, while the first one still ran.
    expect(inner.match(/✔ Install/g)).toHaveLength(1);
    expect(text.match(/Install/g)).toHaveLength(1);
  });
});

describe('Progress.scope', () => {
  it('records the steps run through it alone, while they still count, with those beside it, in the Progress it came from', async () => {
    const { progress: p, text } = progress();
    const release = p.scope();
    let finishInstall: () => void = () => {};
    const install = p.step('Install', () => new Promise<void>((resolve) => (finishInstall = resolve)));
    await release.step('Build', async () => {
      // The install ends in the middle of the release.
      finishInstall();
      await install;
    });
    release.skip('Render', 'docker target');
    await release.step('Deploy', async () => {});
    expect(release.records.map((r) => r.name)).toEqual(['Build', 'Render', 'Deploy']);
    expect(p.records.map((r) => r.name)).toEqual(['Install', 'Build', 'Render', 'Deploy']);
    // One output: every line on the same stream.
    for (const name of ['Install', 'Build', 'Render', 'Deploy']) expect(text()).toContain(name);
  });
});
