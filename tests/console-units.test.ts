/** The console's pure helpers, on their own. */
import { describe, expect, it } from "@jest/globals";
import { roundAbove } from "../console/src/chart-scale.js";

describe("a chart's axis top", () => {
  it("is a round number at least a tenth above the highest point", () => {
    expect([0, 0.4, 1, 9, 10, 47, 95, 181, 1234, 9500].map(roundAbove)).toEqual([1, 1, 2, 10, 20, 100, 200, 200, 2000, 20000]);
    for (const max of [3, 17, 88.5, 480, 7000]) expect(roundAbove(max)).toBeGreaterThanOrEqual(max * 1.1);
  });
});
