/** pollUntil: decisions, the deadline, the signal, and no listener left behind on a long wait. */
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/util/poll.js';

describe('pollUntil', () => {
  it('returns the first decision', async () => {
    let looks = 0;
    const result = await pollUntil(async () => (++looks === 3 ? 'done' : undefined), () => 'late', { intervalMs: 1, deadlineMs: 10_000 });
    expect(result).toBe('done');
    expect(looks).toBe(3);
  });

  it('gives the deadline verdict when the next round would end after it', async () => {
    let looks = 0;
    const result = await pollUntil(async () => (looks++, undefined), (ms) => ({ late: ms }), { intervalMs: 20, deadlineMs: 70 });
    expect(result).toMatchObject({ late: expect.any(Number) });
    expect(looks).toBeGreaterThanOrEqual(2);
    expect(looks).toBeLessThanOrEqual(5);
  });

  it("rejects with the signal's reason when aborted mid-sleep", async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 20);
    await expect(pollUntil(async () => undefined, () => 'late', { intervalMs: 10_000, deadlineMs: 60_000, signal: controller.signal })).rejects.toBe(reason);
  });

  it('leaves no abort listener behind, however many rounds', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const controller = new AbortController();
    let looks = 0;
    try {
      await pollUntil(async () => (++looks === 200 ? true : undefined), () => false, { intervalMs: 1, deadlineMs: 60_000, signal: controller.signal });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(looks).toBe(200);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
