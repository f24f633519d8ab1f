import { describe, expect, it, jest } from "@jest/globals";
import { createDatabasePriority } from "../src/db/priority.js";

/** Whether a promise has settled, after everything already queued has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("the database priority", () => {
  it("lets background work go at once when no interactive work is in flight", async () => {
    const priority = createDatabasePriority();
    expect(await settled(priority.background())).toBe(true);
    await priority.interactive(async () => {});
    expect(await settled(priority.background())).toBe(true);
  });

  it("holds background work while interactive work is in flight, and lets it go when the last of it ends", async () => {
    const priority = createDatabasePriority({ maxWaitMs: 60_000 });
    const endFirst = priority.begin();
    const endSecond = priority.begin();
    const waiting = priority.background(60_000);
    expect(await settled(waiting)).toBe(false);
    endFirst();
    // Ending the same work twice counts once: the second is still in flight.
    endFirst();
    expect(await settled(waiting)).toBe(false);
    endSecond();
    expect(await settled(waiting)).toBe(true);
  });

  it("waits no longer than it has just worked, nor than maxWaitMs, however long interactive work lasts", async () => {
    jest.useFakeTimers({ doNotFake: ["setImmediate"] });
    try {
      const priority = createDatabasePriority({ maxWaitMs: 50 });
      priority.begin();
      const short = priority.background(10);
      const long = priority.background(10_000);
      jest.advanceTimersByTime(9);
      expect([await settled(short), await settled(long)]).toEqual([false, false]);
      jest.advanceTimersByTime(1);
      expect([await settled(short), await settled(long)]).toEqual([true, false]);
      jest.advanceTimersByTime(40);
      expect(await settled(long)).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it("ends interactive work that fails, so that background work is not held by it", async () => {
    const priority = createDatabasePriority({ maxWaitMs: 60_000 });
    await expect(priority.interactive(async () => Promise.reject(new Error("the visitor's statement failed")))).rejects.toThrow(/failed/);
    expect(await settled(priority.background(60_000))).toBe(true);
  });
});
