/** Small statistics and formatting helpers for the benchmark tables. */

/** @param {number[]} values */
export function median(values) {
  return percentile(values, 50);
}

/**
 * Linear-interpolated percentile of `values` (not mutated).
 * @param {number[]} values
 * @param {number} p 0..100
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** @param {number} a @param {number} b */
export function ratio(a, b) {
  return b === 0 ? Number.NaN : a / b;
}

/** @param {number} value @param {number} [digits] */
export function fixed(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** @param {number} ms */
export function ms(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
}

/** @param {number} bytes */
export function mib(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : 'n/a';
}

/** @param {number} value */
export function thousands(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

/** Spread of a sample as "min-max" with a unit formatter, for the notes. */
export function range(values, format = String) {
  if (values.length === 0) return 'n/a';
  return `${format(Math.min(...values))}-${format(Math.max(...values))}`;
}
