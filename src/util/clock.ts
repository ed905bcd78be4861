/**
 * Milliseconds on a monotonic clock, for durations. process.hrtime is there from the start;
 * the `performance` global loads perf_hooks (nine modules) on first use, a cost a short run
 * such as `create-shovel --yes` notices.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
