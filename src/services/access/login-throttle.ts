import type { CounterStore } from "./counters.js";
import { AppError } from "../errors.js";

export interface LoginThrottleOptions {
  store: CounterStore;
  /** Attempts on one account from one address (or one known device) without delay. @default 5 */
  freeAttempts?: number;
  /** Attempts on one account from devices it has not logged in from, over all addresses, without delay. @default 50 */
  accountFreeAttempts?: number;
  /** The longest wait between two attempts. @default 60000 */
  maxDelayMs?: number;
  /** How long an attempt is remembered. @default 3600000 */
  windowMs?: number;
}

/** Where a log-in attempt comes from: a device the account has logged in from, or an address. */
export type AttemptSource = { device: string } | { ip: string | undefined };

/**
 * Slows password guessing on one account without locking its owner out.
 * Every attempt is counted before the password is checked (so parallel
 * guesses queue up rather than slip through). After the free attempts, each
 * next one must wait twice as long after the last (1 s, 2 s, 4 s … up to
 * `maxDelayMs`), counted apart:
 * - per account and address: guesses from one address slow only that address;
 * - per account over all addresses, for devices it has not logged in from,
 *   with a larger allowance: a thousand addresses still get about 60 guesses an hour;
 * - per known device (a token from an earlier log-in): the owner's own
 *   browser is slowed only by its own mistakes, whatever happens elsewhere.
 * A right password clears its address's or device's count.
 */
export function createLoginThrottle({ store, freeAttempts = 5, accountFreeAttempts = 50, maxDelayMs = 60_000, windowMs = 3_600_000 }: LoginThrottleOptions) {
  const backoff = (key: string, free: number) => ({ key, free, maxDelayMs, windowMs });
  const keysOf = (email: string, source: AttemptSource) =>
    "device" in source
      ? [backoff(`login:device:${source.device}`, freeAttempts)]
      : [backoff(`login:ip:${email}|${source.ip ?? "unknown"}`, freeAttempts), backoff(`login:account:${email}`, accountFreeAttempts)];

  return {
    /** Counts an attempt on this account from this source, or refuses it (RATE_LIMITED) with the seconds to wait. */
    async attempt(email: string, source: AttemptSource): Promise<void> {
      const refused = await store.attempt(keysOf(email, source));
      if (!refused) return;
      const retryAfterSeconds = Math.ceil(refused.waitMs / 1000);
      throw new AppError("RATE_LIMITED", `Too many attempts for this account; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    },

    /** The right password: this source's count starts again (not the account's, which others may be filling). */
    async succeeded(email: string, source: AttemptSource): Promise<void> {
      await store.clear(keysOf(email, source)[0]!.key);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
