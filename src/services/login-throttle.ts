import { InMemoryStore, type Store } from "graphql-rate-limit";
import { AppError } from "./errors.js";
import { createKeyedQueue } from "./rate-limits.js";

export interface LoginThrottleOptions {
  /** Where attempts are kept: in memory, or the shared Redis store. */
  store?: Store;
  /** Attempts per account without delay. @default 5 */
  freeAttempts?: number;
  /** The longest wait between two attempts. @default 60000 */
  maxDelayMs?: number;
  /** How long an attempt is remembered. @default 3600000 */
  windowMs?: number;
}

/**
 * Slows password guessing on one account without locking its owner out.
 * Every attempt is counted before the password is checked (so parallel
 * guesses queue up rather than slip through), and a right password clears
 * the count. After `freeAttempts`, each attempt must wait twice as long
 * after the last one as the one before (1 s, 2 s, 4 s … up to
 * `maxDelayMs`): an attacker, from one address or a thousand, gets about
 * 60 guesses an hour, and the owner waits at most a minute, then logs in.
 */
export function createLoginThrottle({ store = new InMemoryStore(), freeAttempts = 5, maxDelayMs = 60_000, windowMs = 3_600_000 }: LoginThrottleOptions = {}) {
  const queue = createKeyedQueue();
  const identity = (email: string) => ({ contextIdentity: `login:${email}`, fieldIdentity: "attempts" });

  function waitMs(attempts: readonly number[], now: number): number {
    if (attempts.length < freeAttempts) return 0;
    const delay = Math.min(1000 * 2 ** (attempts.length - freeAttempts), maxDelayMs);
    return Math.max(...attempts) + delay - now;
  }

  return {
    /** Counts an attempt on this account, or refuses it (RATE_LIMITED) with the seconds to wait. */
    attempt(email: string): Promise<void> {
      return queue(email, async () => {
        const now = Date.now();
        const attempts = (await store.getForIdentity(identity(email))).filter((t) => t > now - windowMs);
        const wait = waitMs(attempts, now);
        if (wait > 0) {
          const retryAfterSeconds = Math.ceil(wait / 1000);
          throw new AppError("RATE_LIMITED", `Too many attempts for this account; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
        }
        await store.setForIdentity(identity(email), [...attempts, now], windowMs);
      });
    },

    /** The right password: the account's count starts again. */
    succeeded(email: string): Promise<void> {
      return queue(email, () => Promise.resolve(store.setForIdentity(identity(email), [], windowMs)));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
