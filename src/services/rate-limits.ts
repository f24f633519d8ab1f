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

  return {
    async check(subjects: Partial<Record<RateLimitRule["per"], string>>): Promise<void> {
      for (const rule of rules) {
        const subject = subjects[rule.per];
        if (!subject) continue;
        const fieldName = `${scope}-${rule.per}`;
        const limited = await limiter(
          { parent: undefined, args: {}, context: { identity: `${rule.per}:${subject}` }, info: { fieldName } as GraphQLResolveInfo },
          { max: rule.max, window: `${rule.windowMs}`, uncountRejected: true },
        );
        if (!limited) continue;
        const calls = await store.getForIdentity({ contextIdentity: `${rule.per}:${subject}`, fieldIdentity: fieldName });
        const oldest = Math.min(...calls.filter((t) => t > Date.now() - rule.windowMs));
        const retryAfterSeconds = Math.max(1, Math.ceil((oldest + rule.windowMs - Date.now()) / 1000));
        throw new AppError("RATE_LIMITED", `Too many ${scope === "auth" ? "attempts" : "requests"} for ${SUBJECTS[rule.per]} (${rule.max} per ${describeWindow(rule.windowMs)}); try again in ${retryAfterSeconds} s.`, {
          retryAfterSeconds,
          limit: rule.max,
          windowSeconds: rule.windowMs / 1000,
        });
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
