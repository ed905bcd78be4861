/** What `until` polls: a value once the awaited thing is there, undefined or false before. */
export type Probe<T> = () => Promise<T | undefined | false> | T | undefined | false;

/** Polls `probe` every `intervalMs` until it returns a value; past `timeoutMs`, fails naming `what`. */
export async function until<T>(what: string, probe: Probe<T>, { timeoutMs = 10_000, intervalMs = 25 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
