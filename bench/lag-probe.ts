/**
 * Loaded into the server bench/chat starts (`--import`), never by the
 * product: it samples the server's own event-loop lag (how late a 10 ms timer
 * fires) with the time of each sample, and writes them as JSON to
 * PARLEY_LAG_PROBE_FILE when the process ends, so the bench can take the
 * figure over exactly the seconds it measures, free of its own load.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const file = process.env.PARLEY_LAG_PROBE_FILE;
if (file) {
  const INTERVAL_MS = 10;
  const samples: [at: number, lagMs: number][] = [];
  let expected = performance.now() + INTERVAL_MS;
  setInterval(() => {
    const t = performance.now();
    samples.push([performance.timeOrigin + t, Math.max(0, t - expected)]);
    expected = t + INTERVAL_MS;
  }, INTERVAL_MS).unref();
  process.on("exit", () => writeFileSync(file, JSON.stringify(samples)));
}
