import { randomUUID } from "node:crypto";
import type { RedisClientType } from "redis";
import type { Logger } from "../../logger.js";

/**
 * The counting under rate limits and log-in throttling: sliding windows of
 * timestamps, kept in this process or in Redis. Each call is one atomic
 * step, however many windows it touches: every window has room and all are
 * charged, or none is (a call refused by one limit costs the others nothing).
 * In Redis that step is one Lua script, so several instances count as one.
 */

/** One limit: at most `max` calls in any `windowMs`, counted under `key`. */
export interface Window {
  key: string;
  max: number;
  windowMs: number;
}

/** One back-off: after `free` attempts in `windowMs`, each next one waits twice as long after the last (1 s, 2 s… up to `maxDelayMs`). */
export interface Backoff {
  key: string;
  free: number;
  maxDelayMs: number;
  windowMs: number;
}

/** Refused: which of the windows (or back-offs) is full, and how long until there is room. */
export interface Refusal {
  index: number;
  waitMs: number;
}

export interface CounterStore {
  /** Counts `calls` against every window, or refuses without counting any. */
  take(windows: readonly Window[], calls: number): Promise<Refusal | null>;
  /** Counts an attempt against every back-off, or refuses without counting any. */
  attempt(backoffs: readonly Backoff[]): Promise<Refusal | null>;
  /** Forgets a key's attempts (a right password). */
  clear(key: string): Promise<void>;
}

const backoffWait = (count: number, last: number, b: Backoff, now: number) =>
  count < b.free ? 0 : last + Math.min(1000 * 2 ** (count - b.free), b.maxDelayMs) - now;

/** Counts in this process: one instance, or the fallback while Redis is away. */
export function createMemoryCounters(): CounterStore & { readonly keys: number } {
  const stamps = new Map<string, { at: number[]; windowMs: number }>();
  const recent = (key: string, windowMs: number, now: number) => {
    const entry = stamps.get(key);
    const at = entry ? entry.at.filter((t) => t > now - windowMs) : [];
    stamps.set(key, { at, windowMs });
    return at;
  };
  // Keys whose window has passed are dropped, so counting a million addresses does not keep them all.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of stamps) if ((entry.at.at(-1) ?? 0) <= now - entry.windowMs) stamps.delete(key);
  }, 60_000);
  sweep.unref();
  return {
    take(windows, calls) {
      const now = Date.now();
      const counted = windows.map((w) => recent(w.key, w.windowMs, now));
      for (const [index, w] of windows.entries()) {
        const at = counted[index]!;
        if (at.length + calls <= w.max) continue;
        const freeing = at[at.length + calls - w.max - 1];
        return Promise.resolve({ index, waitMs: freeing === undefined ? w.windowMs : freeing + w.windowMs - now });
      }
      for (const at of counted) for (let i = 0; i < calls; i++) at.push(now);
      return Promise.resolve(null);
    },
    attempt(backoffs) {
      const now = Date.now();
      const counted = backoffs.map((b) => recent(b.key, b.windowMs, now));
      for (const [index, b] of backoffs.entries()) {
        const at = counted[index]!;
        const waitMs = backoffWait(at.length, at.at(-1) ?? 0, b, now);
        if (waitMs > 0) return Promise.resolve({ index, waitMs });
      }
      for (const at of counted) at.push(now);
      return Promise.resolve(null);
    },
    clear(key) {
      stamps.delete(key);
      return Promise.resolve();
    },
    get keys() {
      return stamps.size;
    },
  };
}

// KEYS: the windows. ARGV: now, calls, a nonce, then max and window of each key.
const TAKE = `
local now, calls, nonce = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
for i, key in ipairs(KEYS) do
  local max, window = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count + calls > max then
    local freeing = redis.call('ZRANGE', key, count + calls - max - 1, count + calls - max - 1, 'WITHSCORES')[2]
    if freeing then return {i, tonumber(freeing) + window - now} end
    return {i, window}
  end
end
for i, key in ipairs(KEYS) do
  for c = 1, calls do redis.call('ZADD', key, now, nonce .. ':' .. c) end
  redis.call('PEXPIRE', key, tonumber(ARGV[3 + 2 * i]))
end
return {0, 0}`;

// KEYS: the back-offs. ARGV: now, a nonce, then free, max delay and window of each key.
const ATTEMPT = `
local now, nonce = tonumber(ARGV[1]), ARGV[2]
for i, key in ipairs(KEYS) do
  local free, maxDelay, window = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= free then
    local last = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
    local wait = last + math.min(1000 * 2 ^ (count - free), maxDelay) - now
    if wait > 0 then return {i, wait} end
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, nonce)
  redis.call('PEXPIRE', key, tonumber(ARGV[3 * i + 2]))
end
return {0, 0}`;

type Eval = Pick<RedisClientType, "eval" | "del">;

function refusalOf(reply: unknown): Refusal | null {
  const [index, waitMs] = (reply as [number, number]).map(Number) as [number, number];
  return index === 0 ? null : { index: index - 1, waitMs };
}

/** Counts in Redis, each call one script: several instances share every limit exactly. */
export function createRedisCounters(client: Eval, prefix = "parley:count:"): CounterStore {
  return {
    async take(windows, calls) {
      const args = [String(Date.now()), String(calls), randomUUID(), ...windows.flatMap((w) => [String(w.max), String(w.windowMs)])];
      return refusalOf(await client.eval(TAKE, { keys: windows.map((w) => prefix + w.key), arguments: args }));
    },
    async attempt(backoffs) {
      const args = [String(Date.now()), randomUUID(), ...backoffs.flatMap((b) => [String(b.free), String(b.maxDelayMs), String(b.windowMs)])];
      return refusalOf(await client.eval(ATTEMPT, { keys: backoffs.map((b) => prefix + b.key), arguments: args }));
    },
    async clear(key) {
      await client.del(prefix + key);
    },
  };
}

export interface ResilientOptions {
  /** The longest a counting call waits for Redis before counting here instead. @default 500 */
  timeoutMs?: number;
  /** After a failure, how long counting stays here before Redis is tried again. @default 5000 */
  retryAfterMs?: number;
}

/**
 * Redis counting that cannot hang the public surface: each call answers
 * within `timeoutMs`; when Redis fails or is slow, counting falls back to
 * this instance (a circuit breaker keeps it there for `retryAfterMs`) and
 * the log says so once, and again when Redis is back.
 */
export function createResilientCounters(redis: CounterStore, logger: Logger, { timeoutMs = 500, retryAfterMs = 5000 }: ResilientOptions = {}) {
  const local = createMemoryCounters();
  let openUntil = 0;
  const run = async <T>(call: (store: CounterStore) => Promise<T>): Promise<T> => {
    if (Date.now() < openUntil) return call(local);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)));
      const result = await Promise.race([call(redis), timeout]);
      if (openUntil) {
        openUntil = 0;
        logger.info("Redis is back: rate limits are shared by all instances again");
      }
      return result;
    } catch (error) {
      if (!openUntil) logger.warn("Redis is unreachable: rate limits are counted by each instance alone until it is back", { error: (error as Error).message });
      openUntil = Date.now() + retryAfterMs;
      return call(local);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    take: (windows, calls) => run((store) => store.take(windows, calls)),
    attempt: (backoffs) => run((store) => store.attempt(backoffs)),
    clear: (key) => run((store) => store.clear(key)),
    /** "degraded" while counting falls back to this instance. */
    status: (): "ok" | "degraded" => (Date.now() < openUntil ? "degraded" : "ok"),
  } satisfies CounterStore & { status(): "ok" | "degraded" };
}
