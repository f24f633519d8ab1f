import { badInput } from "../errors.js";

export const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** When a bot's operators answer, in the business's own time zone (an IANA name, so summer time follows). */
export interface BusinessHours {
  timeZone: string;
  /** Opening times per day ("09:00" to "17:30"; "24:00" is the day's end); a day left out is closed. */
  days: { day: Weekday; from: string; to: string }[];
}

const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

const minutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

function validTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Checks hours an owner sets: a real time zone, times as HH:MM, each day once, opening before closing. */
export function validHours(hours: BusinessHours): BusinessHours {
  if (!validTimeZone(hours.timeZone)) throw badInput(`${hours.timeZone} is not a time zone (use a name like Europe/Amsterdam).`, "handoffHours.timeZone");
  const seen = new Set<Weekday>();
  for (const { day, from, to } of hours.days) {
    if (seen.has(day)) throw badInput(`${day} is given twice.`, "handoffHours.days");
    seen.add(day);
    if (!TIME.test(from) || !TIME.test(to)) throw badInput(`${day}: times are HH:MM, like 09:00 or 17:30.`, "handoffHours.days");
    if (minutes(from) >= minutes(to)) throw badInput(`${day}: the opening time must come before the closing time.`, "handoffHours.days");
  }
  return { timeZone: hours.timeZone, days: WEEKDAYS.flatMap((day) => hours.days.filter((d) => d.day === day)) };
}

/** Hours as stored (JSON), or null for none (operators answer whenever one is online). */
export function storedHours(value: unknown): BusinessHours | null {
  const hours = value as BusinessHours | null;
  return hours && typeof hours.timeZone === "string" && Array.isArray(hours.days) ? hours : null;
}

/** Whether `at` falls within the hours, read in their time zone; no hours means always. */
export function isOpen(hours: BusinessHours | null, at: Date): boolean {
  if (!hours) return true;
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: hours.timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = part("weekday").toUpperCase().slice(0, 3) as Weekday;
  const now = Number(part("hour")) * 60 + Number(part("minute"));
  return hours.days.some((d) => d.day === day && minutes(d.from) <= now && now < minutes(d.to));
}
