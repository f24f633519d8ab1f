// Longest test files first, from durations checked in beside this file
// (tests/durations.json, seconds on this 2-core machine): with two workers the
// suite ends when its longest files end, and a fresh clone has no timings of
// its own for jest to order by (it falls back to file size, which put the
// two-minute browser files behind short ones). Unknown files count 10 s.
import { readFileSync } from "node:fs";
import path from "node:path";
import Sequencer from "@jest/test-sequencer";

const durations = JSON.parse(readFileSync(new URL("./durations.json", import.meta.url), "utf8"));
const weight = (test) => durations[path.basename(test.path)] ?? 10;

export default class LongestFirst extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => weight(b) - weight(a));
  }
}
