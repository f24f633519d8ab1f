/**
 * The top of a chart's axis: the smallest of 1, 2, 5 × 10ⁿ at least 10%
 * above its highest point (and at least 1), so no point sits on or past the
 * top edge (uPlot's own range ended at the highest point: the p95 line's
 * peak was drawn on the edge and cut).
 */
export function roundAbove(max: number): number {
  const target = Math.max(1, max * 1.1);
  const power = 10 ** Math.floor(Math.log10(target));
  return [1, 2, 5, 10].map((step) => step * power).find((top) => top >= target)!;
}
