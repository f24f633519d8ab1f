import type { CounterStore } from "./counters.js";
import { AppError } from "../errors.js";

export interface RateLimitRule {
  /** What is counted: calls per API key, per bot, or per client address. */
  per: "key" | "bot" | "ip";
  max: number;
  windowMs: number;
}

const SUBJECTS: Record<RateLimitRule["per"], string> = { key: "this API key", bot: "this bot", ip: "your address" };

/**
 * Limits counted in sliding windows (see counters.ts). A call is counted
 * against all its limits at once or against none: one refused by the
 * address's limit costs the key and the bot nothing. Over a limit,
 * RATE_LIMITED with the seconds to wait. `scope` keeps the counters of
 * separate limiters (public calls, log-ins, sign-ups) apart in a shared store.
 */
export function createRateLimiter({ rules, store, scope = "public" }: { rules: RateLimitRule[]; store: CounterStore; scope?: string }) {
  return {
    /** Counts `calls` calls (default 1) for each subject; RATE_LIMITED when a limit would be passed. */
    async check(subjects: Partial<Record<RateLimitRule["per"], string>>, calls = 1): Promise<void> {
      const applied = rules.filter((rule) => subjects[rule.per]);
      const refused = await store.take(
        applied.map((rule) => ({ key: `${scope}:${rule.per}:${subjects[rule.per]!}`, max: rule.max, windowMs: rule.windowMs })),
        calls,
      );
      if (!refused) return;
      const rule = applied[refused.index]!;
      const retryAfterSeconds = Math.max(1, Math.ceil(refused.waitMs / 1000));
      const noun = scope === "public" ? "requests" : "attempts";
      throw new AppError(
        "RATE_LIMITED",
        `Too many ${noun} for ${SUBJECTS[rule.per]} (${rule.max} per ${describeWindow(rule.windowMs)}); try again in ${retryAfterSeconds} s.`,
        { retryAfterSeconds, limit: rule.max, windowSeconds: rule.windowMs / 1000 },
      );
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

function describeWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? "hour" : `${ms / 3_600_000} hours`;
  if (ms % 60_000 === 0) return ms === 60_000 ? "minute" : `${ms / 60_000} minutes`;
  return `${ms / 1000} s`;
}
