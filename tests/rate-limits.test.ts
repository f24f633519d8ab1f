import { describe, expect, it } from "@jest/globals";
import { createClient } from "redis";
import { createRateLimiter, createRedisStore } from "../src/services/rate-limits.js";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";
import { startRedis } from "./helpers/redis.js";
import { createLogger } from "../src/logger.js";

async function publicBotWithKeys(env: Record<string, string>, keys = 1) {
  const t = await startApp(env);
  const admin = await signUp(t.url);
  const botId = await createBot(t.url, admin);
  await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, admin.headers);
  const secrets: string[] = [];
  for (let i = 0; i < keys; i++) {
    const key = await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "k${i}") { secret } }`, { b: botId }, admin.headers);
    secrets.push(key.data!.createApiKey.secret);
  }
  const call = (secret: string) => gqlRaw(t.url, `{ publicBot { name } }`, {}, { "x-api-key": secret });
  return { t, secrets, call, botId };
}

describe("rate limits on public calls", () => {
  it("refuses the 101st request in a minute on one key, saying how long to wait", async () => {
    const { secrets, call } = await publicBotWithKeys({});
    for (let i = 0; i < 100; i++) expect((await call(secrets[0]!)).errors).toBeUndefined();
    const refused = await call(secrets[0]!);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", limit: 100, windowSeconds: 60 });
    const wait = refused.errors![0]!.extensions!.retryAfterSeconds as number;
    expect(wait).toBeGreaterThan(50);
    expect(wait).toBeLessThanOrEqual(60);
    expect(refused.errors?.[0]?.message).toMatch(/Too many requests for this API key \(100 per minute\); try again in \d+ s\./);
  });

  it("holds the per-address limit across keys, and the per-bot limit across addresses' keys", async () => {
    const { secrets, call } = await publicBotWithKeys({ RATE_LIMIT_PER_IP_PER_HOUR: "5" }, 2);
    for (let i = 0; i < 3; i++) expect((await call(secrets[0]!)).errors).toBeUndefined();
    for (let i = 0; i < 2; i++) expect((await call(secrets[1]!)).errors).toBeUndefined();
    const refused = await call(secrets[1]!);
    expect(refused.errors?.[0]?.message).toMatch(/for your address \(5 per hour\)/);

    const perBot = await publicBotWithKeys({ RATE_LIMIT_PER_BOT_PER_HOUR: "3" }, 2);
    await perBot.call(perBot.secrets[0]!);
    await perBot.call(perBot.secrets[1]!);
    await perBot.call(perBot.secrets[0]!);
    expect((await perBot.call(perBot.secrets[1]!)).errors?.[0]?.message).toMatch(/for this bot \(3 per hour\)/);
  });

  it("does not limit admins", async () => {
    const { t } = await publicBotWithKeys({ RATE_LIMIT_PER_KEY_PER_MINUTE: "1", RATE_LIMIT_PER_IP_PER_HOUR: "1" });
    const admin = await signUp(t.url);
    for (let i = 0; i < 3; i++) expect((await gqlRaw(t.url, `{ me { email } }`, {}, admin.headers)).errors).toBeUndefined();
  });

  it("counts concurrent checks exactly, in memory and in Redis, and charges several calls at once", async () => {
    const { url } = await startRedis();
    const client = createClient({ url });
    await client.connect();
    try {
      for (const store of [undefined, createRedisStore(client as never, "parley:concurrent:")]) {
        const limiter = createRateLimiter({ rules: [{ per: "key", max: 100, windowMs: 60_000 }], ...(store && { store }) });
        const outcomes = await Promise.allSettled(Array.from({ length: 120 }, () => limiter.check({ key: "k" })));
        expect(outcomes.filter((o) => o.status === "fulfilled").length).toBe(100);
        await expect(limiter.check({ key: "other" }, 101)).rejects.toMatchObject({ code: "RATE_LIMITED" });
        await expect(limiter.check({ key: "other" }, 100)).resolves.toBeUndefined();
        await expect(limiter.check({ key: "other" })).rejects.toMatchObject({ code: "RATE_LIMITED" });
      }
    } finally {
      await client.quit();
    }
  });

  it("shares counts between two instances through Redis", async () => {
    const { url } = await startRedis();
    const clients = [createClient({ url }), createClient({ url })];
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const rules = [{ per: "key" as const, max: 4, windowMs: 60_000 }];
      const [a, b] = clients.map((client) => createRateLimiter({ rules, store: createRedisStore(client as never) }));
      await a!.check({ key: "k1" });
      await b!.check({ key: "k1" });
      await a!.check({ key: "k1" });
      await b!.check({ key: "k1" });
      await expect(a!.check({ key: "k1" })).rejects.toMatchObject({ code: "RATE_LIMITED" });
      await expect(b!.check({ key: "k1" })).rejects.toMatchObject({ code: "RATE_LIMITED" });
      await expect(b!.check({ key: "k2" })).resolves.toBeUndefined();
      expect(await clients[0]!.pTTL("parley:rate:key:k1:public-key")).toBeGreaterThan(50_000);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  it("uses Redis when REDIS_URL is set: a second app instance sees the first one's calls", async () => {
    const { url } = await startRedis();
    const first = await publicBotWithKeys({ REDIS_URL: url, RATE_LIMIT_PER_IP_PER_HOUR: "4" });
    for (let i = 0; i < 4; i++) expect((await first.call(first.secrets[0]!)).errors).toBeUndefined();
    // Another instance (its own data here; the address counts are shared through Redis).
    const second = await publicBotWithKeys({ REDIS_URL: url, RATE_LIMIT_PER_IP_PER_HOUR: "4" });
    expect((await second.call(second.secrets[0]!)).errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  });

  it("stops start-up when Redis cannot be reached", async () => {
    await expect(startApp({ REDIS_URL: "redis://127.0.0.1:9" })).rejects.toThrow(/REDIS_URL: could not connect to Redis/);
  });
});

describe("rate limits on logging in and signing up", () => {
  const LOG_IN = `mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { session { token } } }`;
  const SIGN_UP = `mutation($e: String!) { signUp(email: $e, password: "correct horse battery", workspaceName: "W") { session { token } } }`;

  it("slow password guessing on one account without locking its owner out, and leave other accounts alone", async () => {
    const lines: string[] = [];
    const env = { AUTH_LOGIN_FREE_ATTEMPTS: "3", AUTH_LOGIN_MAX_DELAY_SECONDS: "2", LOG_LEVEL: "debug" };
    const t = await startApp(env, { logger: createLogger("debug", {}, (line) => lines.push(line)) });
    const victim = await signUp(t.url);
    const other = await signUp(t.url);
    // The measured attack: 30 wrong passwords for one email, here all at once.
    const guesses = await Promise.all(Array.from({ length: 30 }, (_, i) => gqlRaw(t.url, LOG_IN, { e: victim.email, p: `guess number ${i}` })));
    const codes = guesses.map((g) => g.errors?.[0]?.extensions?.code);
    expect(codes.filter((c) => c === "UNAUTHENTICATED").length).toBeLessThanOrEqual(4);
    expect(codes.filter((c) => c === "RATE_LIMITED").length).toBeGreaterThanOrEqual(26);

    // The owner is asked to wait, never more than the longest delay, and then gets in.
    const early = await gqlRaw(t.url, LOG_IN, { e: victim.email.toUpperCase(), p: "correct horse battery" });
    expect(early.errors?.[0]?.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) });
    expect(early.errors?.[0]?.message).toMatch(/^Too many attempts for this account; try again in [12] s\.$/);
    await new Promise((resolve) => setTimeout(resolve, (early.errors![0]!.extensions!.retryAfterSeconds as number) * 1000));
    expect((await gqlRaw(t.url, LOG_IN, { e: victim.email, p: "correct horse battery" })).errors).toBeUndefined();
    // A right password starts the count again.
    expect((await gqlRaw(t.url, LOG_IN, { e: victim.email, p: "one more guess" })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await gqlRaw(t.url, LOG_IN, { e: other.email, p: "correct horse battery" })).errors).toBeUndefined();

    // Refusals and wrong passwords are a client's business: debug lines, never errors (nor the password).
    const logged = lines.map((l) => JSON.parse(l) as { level: string; message: string });
    expect(logged.filter((l) => l.level === "error")).toEqual([]);
    expect(logged.some((l) => l.level === "debug" && l.message.startsWith("Wrong email or password."))).toBe(true);
    expect(lines.join("\n")).not.toContain("guess number");
  });

  it("limit sign-ups and log-ins per address", async () => {
    const few = await startApp({ AUTH_SIGNUPS_PER_IP_PER_HOUR: "1" });
    expect((await gqlRaw(few.url, SIGN_UP, { e: "a@example.com" })).errors).toBeUndefined();
    expect((await gqlRaw(few.url, SIGN_UP, { e: "b@example.com" })).errors?.[0]?.message).toMatch(/^Too many attempts for your address \(1 per hour\)/);
    expect((await gqlRaw(few.url, LOG_IN, { e: "a@example.com", p: "correct horse battery" })).errors).toBeUndefined();

    const t = await startApp({ AUTH_RATE_LIMIT_PER_IP_PER_HOUR: "2" });
    expect((await gqlRaw(t.url, SIGN_UP, { e: "a@example.com" })).errors).toBeUndefined();
    expect((await gqlRaw(t.url, LOG_IN, { e: "a@example.com", p: "correct horse battery" })).errors).toBeUndefined();
    const third = await gqlRaw(t.url, SIGN_UP, { e: "b@example.com" });
    expect(third.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(third.errors?.[0]?.message).toMatch(/^Too many attempts for your address \(2 per hour\)/);
    expect(await t.app.services.db.prisma.user.count({ where: { email: "b@example.com" } })).toBe(0);
  });
});
