import { Cron } from "croner";
import { badInput } from "./errors.js";

/*
 * When a link source is read again. A schedule is "hourly", "daily",
 * "weekly", or a five-field cron expression (UTC). The presets run every
 * period from when they were set, not at the top of the hour for everyone:
 * a thousand sites set to "daily" spread over the day instead of all
 * fetching at midnight. Cron expressions run when they say, a little late
 * (up to a minute) so that sources sharing one do not start in the same second.
 */

const HOUR = 3_600_000;
export const PRESETS = { hourly: HOUR, daily: 24 * HOUR, weekly: 7 * 24 * HOUR } as const;
/** The shortest gap a schedule may leave between two runs: re-crawling faster only loads the site. */
const MIN_GAP_MS = 15 * 60_000;
const CRON_JITTER_MS = 60_000;

type Preset = keyof typeof PRESETS;
const isPreset = (value: string): value is Preset => value in PRESETS;

/** A schedule as stored: a preset in lower case, or a cron expression with single spaces; null turns it off. */
export function validSchedule(value: string | null | undefined): string | null {
  const trimmed = value?.trim().replace(/\s+/g, " ") ?? "";
  if (!trimmed || trimmed.toLowerCase() === "off") return null;
  if (isPreset(trimmed.toLowerCase())) return trimmed.toLowerCase();
  if (trimmed.split(" ").length !== 5)
    throw badInput(`"${trimmed.slice(0, 60)}" is not a schedule: use hourly, daily, weekly or a cron expression of five fields.`, "schedule");
  let cron: Cron;
  try {
    cron = new Cron(trimmed, { timezone: "UTC", paused: true });
  } catch (error) {
    throw badInput(`"${trimmed}" is not a valid cron expression: ${(error as Error).message}`, "schedule");
  }
  const runs = cron.nextRuns(12);
  if (runs.length < 2) throw badInput(`"${trimmed}" does not run again.`, "schedule");
  const gaps = runs.slice(1).map((run, i) => run.getTime() - runs[i]!.getTime());
  if (Math.min(...gaps) < MIN_GAP_MS) throw badInput(`"${trimmed}" runs more often than every ${MIN_GAP_MS / 60_000} minutes.`, "schedule");
  return trimmed;
}

/**
 * When a source with this schedule is next read, after a run at `from`.
 * `first`: the schedule was just set, so a preset's first run lands anywhere
 * in its period (spreading sources set together).
 */
export function nextRun(schedule: string, from: Date, { first = false, random = Math.random } = {}): Date {
  if (isPreset(schedule)) {
    const period = PRESETS[schedule];
    return new Date(from.getTime() + (first ? Math.ceil(random() * period) : period));
  }
  const next = new Cron(schedule, { timezone: "UTC", paused: true }).nextRun(from);
  if (!next) throw new Error(`The schedule "${schedule}" has no next run.`);
  return new Date(next.getTime() + Math.floor(random() * CRON_JITTER_MS));
}
