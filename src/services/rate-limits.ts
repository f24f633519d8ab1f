import type { GraphQLResolveInfo } from "graphql";
import { getGraphQLRateLimiter, InMemoryStore, type Identity, type Store } from "graphql-rate-limit";
import type { RedisClientType } from "redis";
import { AppError } from "./errors.js";

/**
 * graphql-rate-limit's store contract on a current Redis client (its own
 * RedisStore targets node-redis 3): the call timestamps of an identity, as
 * JSON, expiring with the window. Several instances on one Redis share them.
 */
export function createRedisStore(client: Pick<RedisClientType, "get" | "set">, prefix = "parley:rate:"): Store {
  const key = (identity: Identity) => `${prefix}${identity.contextIdentity}:${identity.fieldIdentity}`;
  return {
    async setForIdentity(identity: Identity, timestamps: readonly number[], windowMs?: number) {
      await client.set(key(identity), JSON.stringify(timestamps), windowMs ? { PX: windowMs } : {});
    },
    async getForIdentity(identity: Identity) {
      const raw = await client.get(key(identity));
      return raw ? (JSON.parse(raw) as number[]) : [];
    },
  };
}

export interface RateLimitRule {
  /** What is counted: calls per API key, per bot, per client address, or per login email. */
  per: "key" | "bot" | "ip" | "email";
  max: number;
  windowMs: number;
}

const SUBJECTS: Record<RateLimitRule["per"], string> = { key: "this API key", bot: "this bot", ip: "your address", email: "this account" };

/**
 * Runs one task at a time per key. graphql-rate-limit reads an identity's
 * calls, then writes them back; two checks interleaved between the read and
 * the write would both pass on the same free slot (150 aliased fields did).
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const result = (tails.get(key) ?? Promise.resolve()).then(run);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => tails.get(key) === tail && tails.delete(key));
    return result;
  };
}

/**
 * Limits counted by graphql-rate-limit in a sliding window, in memory or in
 * Redis. Over a limit, RATE_LIMITED with the seconds to wait. `scope`
 * keeps the counters of separate limiters (public calls, logins) apart in
 * a shared store.
 */
export function createRateLimiter({ rules, store = new InMemoryStore(), scope = "public" }: { rules: RateLimitRule[]; store?: Store; scope?: string }) {
  const limiter = getGraphQLRateLimiter({
    store,
    identifyContext: (context: { identity: string }) => context.identity,
  });
  const queue = createKeyedQueue();

  /** Counts `calls` calls against one rule, or says how long to wait. */
  async function take(rule: RateLimitRule, subject: string, calls: number): Promise<number | undefined> {
    const identity = `${rule.per}:${subject}`;
    const fieldName = `${scope}-${rule.per}`;
    // graphql-rate-limit counts one call per element of `arrayLengthField`.
    const limited = await limiter(
      { parent: undefined, args: { calls: new Array(calls) }, context: { identity }, info: { fieldName } as GraphQLResolveInfo },
      { max: rule.max, window: `${rule.windowMs}`, uncountRejected: true, arrayLengthField: "calls" },
    );
    if (!limited) return undefined;
    const recent = (await store.getForIdentity({ contextIdentity: identity, fieldIdentity: fieldName })).filter((t) => t > Date.now() - rule.windowMs);
    // The wait until enough of the window's calls have aged out to make room for these.
    const freeing = recent.sort((a, b) => a - b)[Math.max(0, Math.min(recent.length - 1, recent.length + calls - rule.max - 1))];
    return Math.max(1, Math.ceil(((freeing ?? Date.now()) + rule.windowMs - Date.now()) / 1000));
  }

  return {
    /** Counts `calls` calls (default 1) for each subject; RATE_LIMITED when a limit would be passed. */
    async check(subjects: Partial<Record<RateLimitRule["per"], string>>, calls = 1): Promise<void> {
      for (const rule of rules) {
        const subject = subjects[rule.per];
        if (!subject) continue;
        const retryAfterSeconds = await queue(`${scope}:${rule.per}:${subject}`, () => take(rule, subject, calls));
        if (retryAfterSeconds === undefined) continue;
        const noun = scope === "public" ? "requests" : "attempts";
        throw new AppError(
          "RATE_LIMITED",
          `Too many ${noun} for ${SUBJECTS[rule.per]} (${rule.max} per ${describeWindow(rule.windowMs)}); try again in ${retryAfterSeconds} s.`,
          {
            retryAfterSeconds,
            limit: rule.max,
            windowSeconds: rule.windowMs / 1000,
          },
        );
      }
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

function describeWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? "hour" : `${ms / 3_600_000} hours`;
  if (ms % 60_000 === 0) return ms === 60_000 ? "minute" : `${ms / 60_000} minutes`;
  return `${ms / 1000} s`;
}
