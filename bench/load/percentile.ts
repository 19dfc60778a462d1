/** Percentiles of measured latencies, shared by the load benchmarks (goodput, accuracy). */

/** The `p`th percentile of ascending `sorted` values (nearest rank below); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
