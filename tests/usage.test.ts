import { describe, expect, it } from "@jest/globals";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { chatOverWs } from "./helpers/chat.js";
import { gqlRaw, wsClient } from "./helpers/graphql.js";

describe("usage analytics", () => {
  it("records every public call, with errors and tokens, and not admins' calls", async () => {
    const t = await startApp({ RATE_LIMIT_PER_KEY_PER_MINUTE: "4" });
    const admin = await signUp(t.url);
    const botId = await createBot(t.url, admin);
    await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, admin.headers);
    const secret = (await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "k") { secret } }`, { b: botId }, admin.headers)).data!.createApiKey
      .secret;
    const headers = { "x-api-key": secret, "user-agent": "usage-test/1.0" };

    await gqlRaw(t.url, `{ publicBot { name } }`, {}, headers);
    await gqlRaw(t.url, `mutation($b: ID!) { sendMessage(botId: $b, message: "Hello?") { sessionId } }`, { b: botId }, headers);
    await chatOverWs(wsClient(t.url, { apiKey: secret }), { botId, message: "Anything?" });
    const refused = await gqlRaw(t.url, `{ publicBot { name } }`, {}, headers); // the 4th call on the key...
    const limited = await gqlRaw(t.url, `{ publicBot { name } }`, {}, headers); // ...and the 5th is over the limit
    expect(refused.errors).toBeUndefined();
    expect(limited.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    await gqlRaw(t.url, `{ bot(id: "${botId}") { name } }`, {}, admin.headers); // an admin: not recorded

    await t.app.services.usage.flush();
    const rows = await t.app.services.db.prisma.apiKeyUsage.findMany({ where: { botId }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.operation, r.errorCode])).toEqual([
      ["publicBot", null],
      ["sendMessage", null],
      ["chat", null],
      ["publicBot", null],
      ["publicBot", "RATE_LIMITED"],
    ]);
    expect(rows[1]!.tokens).toBeGreaterThan(0);
    expect(rows[2]!.tokens).toBeGreaterThan(0);
    expect(rows[0]).toMatchObject({ userAgent: "usage-test/1.0", ip: expect.stringMatching(/127\.0\.0\.1/) });
    expect(rows.every((r) => r.responseTimeMs >= 0)).toBe(true);
  });

  it("aggregates by hour and day with counts, errors and p50/p95, and conversations handed to a person, per bot and per key", async () => {
    const t = await startApp();
    const admin = await signUp(t.url);
    const botId = await createBot(t.url, admin);
    const keyId = (await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "k") { apiKey { id } } }`, { b: botId }, admin.headers)).data!
      .createApiKey.apiKey.id;
    const prisma = t.app.services.db.prisma;
    const at = (iso: string) => new Date(iso);
    // Hour 10: ten calls of 10..100 ms, one failed; hour 11: two calls, one by no key.
    await prisma.apiKeyUsage.createMany({
      data: [
        ...Array.from({ length: 10 }, (_, i) => ({
          botId,
          apiKeyId: keyId,
          operation: "chat",
          responseTimeMs: (i + 1) * 10,
          tokens: 5,
          errorCode: i === 9 ? "MODEL_UNAVAILABLE" : null,
          createdAt: at(`2026-11-20T10:${String(i * 5).padStart(2, "0")}:00Z`),
        })),
        { botId, apiKeyId: keyId, operation: "publicBot", responseTimeMs: 4, createdAt: at("2026-11-20T11:15:00Z") },
        { botId, apiKeyId: null, operation: "publicBot", responseTimeMs: 8, createdAt: at("2026-11-20T11:30:00Z") },
        { botId, apiKeyId: keyId, operation: "chat", responseTimeMs: 1, createdAt: at("2026-11-19T23:59:00Z") },
      ],
    });
    // Conversations: three in hour 10 (one handed to a person), one handed off in hour 12 (an hour
    // without calls), and one from the console's playground (no key), which is not public usage.
    await prisma.chatSession.createMany({
      data: [
        ...[false, true, false].map((handedOff, i) => ({ botId, apiKeyId: keyId, publicId: `s${i}`, handedOff, createdAt: at(`2026-11-20T10:0${i}:00Z`) })),
        { botId, apiKeyId: keyId, publicId: "s3", handedOff: true, createdAt: at("2026-11-20T12:30:00Z") },
        { botId, apiKeyId: null, publicId: "s4", handedOff: false, createdAt: at("2026-11-20T10:30:00Z") },
      ],
    });
    const query = `query($b: ID!, $i: UsageInterval!, $k: ID) { bot(id: $b) { usage(from: "2026-11-20T00:00:00Z", to: "2026-11-21T00:00:00Z", interval: $i, apiKeyId: $k) { start calls errors p50Ms p95Ms tokens conversations handedOff } } }`;
    const hourly = await gqlRaw(t.url, query, { b: botId, i: "HOUR" }, admin.headers);
    expect(hourly.errors).toBeUndefined();
    expect(hourly.data!.bot.usage).toEqual([
      { start: "2026-11-20T10:00:00.000Z", calls: 10, errors: 1, p50Ms: 55, p95Ms: 95.5, tokens: 50, conversations: 3, handedOff: 1 },
      { start: "2026-11-20T11:00:00.000Z", calls: 2, errors: 0, p50Ms: 6, p95Ms: 7.8, tokens: 0, conversations: 0, handedOff: 0 },
      { start: "2026-11-20T12:00:00.000Z", calls: 0, errors: 0, p50Ms: 0, p95Ms: 0, tokens: 0, conversations: 1, handedOff: 1 },
    ]);
    const daily = await gqlRaw(t.url, query, { b: botId, i: "DAY", k: keyId }, admin.headers);
    expect(daily.data!.bot.usage).toEqual([
      { start: "2026-11-20T00:00:00.000Z", calls: 11, errors: 1, p50Ms: 50, p95Ms: 95, tokens: 50, conversations: 4, handedOff: 2 },
    ]);

    const backwards = await gqlRaw(
      t.url,
      `query($b: ID!) { bot(id: $b) { usage(from: "2026-11-21T00:00:00Z", to: "2026-11-20T00:00:00Z", interval: DAY) { calls } } }`,
      { b: botId },
      admin.headers,
    );
    expect(backwards.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
