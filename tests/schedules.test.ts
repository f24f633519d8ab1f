import { describe, expect, it } from "@jest/globals";
import { AppError } from "../src/services/errors.js";
import { nextRun, PRESETS, validSchedule } from "../src/services/schedules.js";

describe("link schedules", () => {
  it("take the presets, cron expressions and off, and refuse what is not one or runs too often", () => {
    expect(validSchedule(" Daily ")).toBe("daily");
    expect(validSchedule("0  3 * * 1")).toBe("0 3 * * 1");
    expect(validSchedule("off")).toBeNull();
    expect(validSchedule("")).toBeNull();
    expect(validSchedule(null)).toBeNull();
    for (const bad of ["every day", "0 3 * *", "61 3 * * *", "* * * * *", "*/5 * * * *"]) {
      expect(() => validSchedule(bad)).toThrow(AppError);
    }
    expect(() => validSchedule("*/5 * * * *")).toThrow(/more often than every 15 minutes/);
  });

  it("run a preset a period after the last run (the first anywhere in it), and a cron expression when it says, up to a minute late", () => {
    const from = new Date("2026-12-06T10:20:00Z");
    expect(nextRun("daily", from).getTime() - from.getTime()).toBe(PRESETS.daily);
    const first = nextRun("weekly", from, { first: true, random: () => 0.5 });
    expect(first.getTime() - from.getTime()).toBe(PRESETS.weekly / 2);
    expect(nextRun("0 3 * * *", from, { random: () => 0 }).toISOString()).toBe("2026-12-07T03:00:00.000Z");
    expect(nextRun("0 3 * * *", from, { random: () => 0.999 }).getTime()).toBeLessThan(new Date("2026-12-07T03:01:00Z").getTime());
  });
});
