/**
 * The console's two ways of writing a moment, the same on every screen: a
 * moment ("7 Dec 2026, 14:05") and a day ("7 Dec 2026"), in the browser's
 * language and time zone.
 */
const MOMENT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export const when = (iso: string | number): string => MOMENT.format(new Date(iso));
export const day = (iso: string | number): string => DAY.format(new Date(iso));
