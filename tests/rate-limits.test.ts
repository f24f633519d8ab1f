import { describe, expect, it } from "@jest/globals";
import { createClient } from "redis";
import { createMemoryCounters, createRedisCounters } from "../src/services/access/counters.js";
import { createRateLimiter } from "../src/services/access/rate-limits.js";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gqlRaw, wsClient } from "./helpers/graphql.js";
import { startRedis } from "./helpers/redis.js";
import { createLogger } from "../src/logger.js";
import type { BuildAppOptions } from "../src/app.js";
import { chatOverWs } from "./helpers/chat.js";

async function publicBotWithKeys(env: Record<string, string>, keys = 1, options: BuildAppOptions = {}) {
  const t = await startApp(env, options);
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
      for (const store of [createMemoryCounters(), createRedisCounters(client, "parley:concurrent:")]) {
        const limiter = createRateLimiter({ rules: [{ per: "key", max: 100, windowMs: 60_000 }], store });
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
      const [a, b] = clients.map((client) => createRateLimiter({ rules, store: createRedisCounters(client) }));
      await a!.check({ key: "k1" });
      await b!.check({ key: "k1" });
      await a!.check({ key: "k1" });
      await b!.check({ key: "k1" });
      await expect(a!.check({ key: "k1" })).rejects.toMatchObject({ code: "RATE_LIMITED" });
      await expect(b!.check({ key: "k1" })).rejects.toMatchObject({ code: "RATE_LIMITED" });
      await expect(b!.check({ key: "k2" })).resolves.toBeUndefined();
      expect(await clients[0]!.pTTL("parley:count:public:key:k1")).toBeGreaterThan(50_000);
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

  it("charges a refused call to none of its limits, in memory and in Redis", async () => {
    const { url } = await startRedis();
    const client = createClient({ url });
    await client.connect();
    try {
      for (const store of [createMemoryCounters(), createRedisCounters(client, "parley:refused:")]) {
        const limiter = createRateLimiter({
          rules: [
            { per: "key", max: 10, windowMs: 60_000 },
            { per: "bot", max: 10, windowMs: 60_000 },
            { per: "ip", max: 2, windowMs: 60_000 },
          ],
          store,
        });
        // A flood from one address: two calls pass, the rest are refused by the address's limit...
        for (let i = 0; i < 20; i++) await limiter.check({ key: "k", bot: "b", ip: "flood" }).catch(() => {});
        // ...and the bot and key were charged for the two alone: eight more from elsewhere pass, the ninth not.
        for (let i = 0; i < 8; i++) await expect(limiter.check({ key: "k", bot: "b", ip: `visitor-${i}` })).resolves.toBeUndefined();
        await expect(limiter.check({ key: "k", bot: "b", ip: "one-more" })).rejects.toMatchObject({ code: "RATE_LIMITED" });
      }
    } finally {
      await client.quit();
    }
  });

  it("admits exactly the limit of 50 parallel requests spread over two instances on one Redis", async () => {
    const { url } = await startRedis();
    const env = { REDIS_URL: url, RATE_LIMIT_PER_IP_PER_HOUR: "20" };
    const [first, second] = await Promise.all([publicBotWithKeys(env), publicBotWithKeys(env)]);
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? first.call(first.secrets[0]!) : second.call(second.secrets[0]!))));
    expect(outcomes.filter((o) => !o.errors).length).toBe(20);
    expect(outcomes.filter((o) => o.errors?.[0]?.extensions?.code === "RATE_LIMITED").length).toBe(30);
  });

  it("stops start-up when Redis cannot be reached", async () => {
    await expect(startApp({ REDIS_URL: "redis://127.0.0.1:9" })).rejects.toThrow(/REDIS_URL: could not connect to Redis/);
  });
});

describe("per-member limits on the fields that cost work (graphql-rate-limit, counted atomically)", () => {
  const addText = (url: string, admin: Account, botId: string, i: number) =>
    gqlRaw(url, `mutation($b: ID!, $t: String!) { addTextSource(botId: $b, title: "Note", text: $t) { id } }`, { b: botId, t: `Note ${i}` }, admin.headers);

  it("admits exactly the limit of parallel calls, refuses the rest 429 with Retry-After, and leaves other members alone", async () => {
    const t = await startApp({ MEMBER_WORK_PER_HOUR: "5" });
    const admin = await signUp(t.url);
    const botId = await createBot(t.url, admin);
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => addText(t.url, admin, botId, i)));
    expect(outcomes.filter((o) => !o.errors).length).toBe(5);
    const refused = outcomes.find((o) => o.errors)!;
    expect(refused.errors![0]!.extensions).toMatchObject({ code: "RATE_LIMITED", limit: 5, windowSeconds: 3600 });
    expect(refused.errors![0]!.message).toMatch(/^Too many calls to addTextSource \(5 per 1 hour\); try again in \d+ s\.$/);
    expect(refused.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(3500);
    // Nothing was stored for a refused call.
    const sources = await gqlRaw(t.url, `query($b: ID!) { bot(id: $b) { sources { totalCount } } }`, { b: botId }, admin.headers);
    expect(sources.data!.bot.sources.totalCount).toBe(5);
    const post = (query: string) =>
      fetch(`${t.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...admin.headers },
        body: JSON.stringify({ query, variables: { b: botId } }),
      });
    const over = await post(`mutation($b: ID!) { addTextSource(botId: $b, title: "Late", text: "One too many.") { id } }`);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(3500);
    // Another field counts on its own.
    expect((await (await post(`mutation($b: ID!) { resyncBot(botId: $b) }`)).json()).data).toEqual({ resyncBot: 5 });
    const other = await signUp(t.url, "Globex");
    expect((await addText(t.url, other, await createBot(t.url, other), 0)).errors).toBeUndefined();
  });

  it("limits a member's questions, in the playground's chat and sendMessage, but not a bot's API key", async () => {
    const { t, secrets, botId } = await publicBotWithKeys({ MEMBER_ASKS_PER_MINUTE: "2" });
    const admin = await signUp(t.url, "Asker");
    const own = await createBot(t.url, admin);
    const ask = (headers: Record<string, string>, b: string) =>
      gqlRaw(t.url, `mutation($b: ID!) { sendMessage(botId: $b, message: "When do you open?") { message { id } } }`, { b }, headers);
    for (let i = 0; i < 2; i++) expect((await ask(admin.headers, own)).errors).toBeUndefined();
    expect((await ask(admin.headers, own)).errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    // Each field counts on its own: the playground's stream has its two.
    const client = wsClient(t.url, admin.headers);
    try {
      for (let i = 0; i < 2; i++) expect((await chatOverWs(client, { botId: own, message: "And on Sundays?" })).at(-1)?.__typename).toBe("ChatCompleted");
      await expect(chatOverWs(client, { botId: own, message: "And at night?" })).rejects.toMatchObject({ extensions: { code: "RATE_LIMITED", limit: 2 } });
    } finally {
      await client.dispose();
    }
    // Visitors holding a key are charged by the public limits only.
    for (let i = 0; i < 3; i++) expect((await ask({ "x-api-key": secrets[0]! }, botId)).errors).toBeUndefined();
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

  it("keep the owner's way in open during an attack: from another address, or from a device they logged in from", async () => {
    const t = await startApp({
      TRUST_PROXY: "true",
      AUTH_LOGIN_FREE_ATTEMPTS: "3",
      AUTH_LOGIN_ACCOUNT_FREE_ATTEMPTS: "10",
      AUTH_LOGIN_MAX_DELAY_SECONDS: "60",
    });
    const owner = await signUp(t.url);
    const LOG_IN_FROM = `mutation($e: String!, $p: String!, $d: String) { logIn(email: $e, password: $p, deviceToken: $d) { deviceToken } }`;
    const logIn = (from: string, password: string, device: string | null = null) =>
      gqlRaw(t.url, LOG_IN_FROM, { e: owner.email, p: password, d: device }, { "x-forwarded-for": from });
    // The owner's browser logged in before, and kept the token it was given.
    const device = (await logIn("198.51.100.7", "correct horse battery")).data!.logIn.deviceToken as string;
    expect(device).toMatch(/^pdv_/);

    // An attacker guesses from one address until it must wait...
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push((await logIn("203.0.113.9", `wrong guess ${i}`)).errors?.[0]?.extensions?.code);
    expect(guesses.slice(-2)).toEqual(["RATE_LIMITED", "RATE_LIMITED"]);
    // ...which slows that address alone: the owner, at home, gets in at once.
    expect((await logIn("198.51.100.7", "correct horse battery")).errors).toBeUndefined();

    // Then from forty addresses, a guess each: past the account's allowance, new devices wait...
    await Promise.all(Array.from({ length: 40 }, (_, i) => logIn(`192.0.2.${i + 1}`, `spread guess ${i}`)));
    expect((await logIn("192.0.2.200", "correct horse battery")).errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    // ...but the owner's own browser does not, even from the attacker's address; it keeps its token.
    const known = await logIn("203.0.113.9", "correct horse battery", device);
    expect(known.errors).toBeUndefined();
    expect(known.data!.logIn.deviceToken).toBeNull();
    // A device token is the account's own: with another email it counts as an unknown device.
    const other = await signUp(t.url);
    const borrowed = await gqlRaw(t.url, LOG_IN_FROM, { e: other.email, p: "correct horse battery", d: device }, { "x-forwarded-for": "203.0.113.9" });
    expect(borrowed.data!.logIn.deviceToken).toMatch(/^pdv_/);
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

describe("when Redis goes away", () => {
  it("goes on answering: public calls, log-in, sign-up and chat over the websocket; says so in /readyz and the log; stops in time", async () => {
    const redis = await startRedis();
    const lines: string[] = [];
    const { t, secrets, call, botId } = await publicBotWithKeys({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: "2000" }, 1, {
      logger: createLogger("info", {}, (line) => lines.push(line)),
    });
    const account = await signUp(t.url);
    expect(await (await fetch(`${t.url}/readyz`)).json()).toEqual({ ready: true, redis: "ok" });

    // Redis is killed while forty public calls are in flight: each is answered.
    const load = Promise.all(Array.from({ length: 40 }, () => call(secrets[0]!)));
    await redis.stop();
    for (const result of await load) expect(result.errors?.[0]?.extensions?.code ?? "answered").toMatch(/^(answered|RATE_LIMITED)$/);

    // With Redis gone, everything public still answers, counted by this instance alone.
    expect((await call(secrets[0]!)).errors).toBeUndefined();
    const LOG_IN = `mutation($e: String!) { logIn(email: $e, password: "correct horse battery") { session { token } } }`;
    expect((await gqlRaw(t.url, LOG_IN, { e: account.email })).errors).toBeUndefined();
    expect((await signUp(t.url, "During the outage")).token).toMatch(/^pst_/);
    const answer = await chatOverWs(wsClient(t.url, { apiKey: secrets[0] }), { botId, message: "Is anyone there?" });
    expect(answer.at(-1)!.__typename).toBe("ChatCompleted");

    expect(await (await fetch(`${t.url}/readyz`)).json()).toEqual({ ready: true, redis: "degraded" });
    const health = await gqlRaw(t.url, `{ health { status redis } }`);
    expect(health.data!.health).toEqual({ status: "DEGRADED", redis: "DEGRADED" });
    const warnings = lines.map((l) => JSON.parse(l) as { level: string; message: string }).filter((l) => l.level === "warn");
    expect(warnings.filter((l) => l.message.startsWith("Redis is unreachable: rate limits are counted by each instance alone"))).toHaveLength(1);

    // Shutdown does not wait for Redis: it ends within SHUTDOWN_TIMEOUT_MS (2 s here), with a margin.
    const stopped = await Promise.race([t.stop().then(() => "stopped"), new Promise((resolve) => setTimeout(() => resolve("still stopping"), 8000))]);
    expect(stopped).toBe("stopped");
  }, 60_000);
});
