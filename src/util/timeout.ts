/**
 * A per-request timeout that keeps the process alive while it runs.
 *
 * AbortSignal.timeout() does not: its timer is unref'd. When the only pending work is a fetch
 * that never settles (undici can lose a request whose socket the server closes right after
 * accepting it), the event loop runs dry, and the process EXITS 0 in the middle of a release,
 * which `shovel release` promises means "healthy". A ref'd timer turns that into a timeout
 * error instead. Call `clear()` once the response (body included) is read.
 */
export interface Timeout {
  signal: AbortSignal;
  clear(): void;
}

export function refTimeout(ms: number, parent?: AbortSignal): Timeout {
  const controller = new AbortController();
  // Same reason as AbortSignal.timeout(): callers recognise error.name === 'TimeoutError'.
  const timer = setTimeout(() => controller.abort(new DOMException(`The operation timed out after ${ms} ms.`, 'TimeoutError')), ms);
  return {
    signal: parent ? AbortSignal.any([parent, controller.signal]) : controller.signal,
    clear: () => clearTimeout(timer),
  };
}
