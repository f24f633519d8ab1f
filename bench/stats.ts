/** The p-th percentile of a sample (nearest rank); NaN for an empty one. Shared by every bench. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  // The smallest value with at least p% of the sample at or below it: of 100, p99 is the 99th, not the largest.
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
