import { beforeAll, describe, expect, it } from "@jest/globals";
import type { Client } from "graphql-ws";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { chatOverWs, type ChatEvent } from "./helpers/chat.js";
import { startFakeOllama, type FakeOllama } from "./helpers/fake-ollama.js";
import { gqlRaw, wsClient } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

/**
 * Live streams keep only the rights they still have: a subscription ends,
 * with the code a new request would get, when its session ends, its member
 * leaves the workspace, its key is revoked or rotated, or its bot goes; on
 * whichever instance it is open.
 */

let t: TestApp;
/** A second instance on the same database: streams open there learn of changes made here. */
let other: TestApp;
let ollama: FakeOllama;
let owner: Account;

const SOURCE_EVENTS = `subscription($b: ID!) { sourceEvents(botId: $b) { status } }`;

/** Opens a sourceEvents stream; resolves with the error that ends it (or "completed"). */
function sourceEvents(client: Client, botId: string): { ended: Promise<{ code?: unknown; message?: string } | "completed"> } {
  const ended = new Promise<{ code?: unknown; message?: string } | "completed">((resolve, reject) => {
    client.subscribe(
      { query: SOURCE_EVENTS, variables: { b: botId } },
      {
        next: ({ errors }) => {
          if (errors?.length) resolve({ code: errors[0]!.extensions?.code, message: errors[0]!.message });
        },
        error: reject,
        complete: () => resolve("completed"),
      },
    );
  });
  return { ended };
}

/** A member of the owner's workspace, with a session of their own. */
async function member(role = "ADMIN"): Promise<Account> {
  const account = await signUp(t.url, "Elsewhere");
  await t.app.services.db.prisma.membership.create({ data: { workspaceId: owner.workspaceId, userId: account.userId, role: role as "ADMIN" } });
  return account;
}

/** Waits until the app follows `n` open streams, so the change below comes after the stream began. */
async function following(app: TestApp, n: number) {
  for (let i = 0; i < 200 && app.app.services.liveAccess.open < n; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(app.app.services.liveAccess.open).toBeGreaterThanOrEqual(n);
}

beforeAll(async () => {
  ollama = await startFakeOllama();
  t = await startApp({ LIVE_ACCESS_CHECK_MS: "200", OLLAMA_BASE_URL: ollama.url, CHAT_TIMEOUT_MS: "20000" });
  other = await startApp({ LIVE_ACCESS_CHECK_MS: "200", OLLAMA_BASE_URL: ollama.url }, { db: t.app.services.db });
  owner = await signUp(t.url);
});

describe("a member's stream", () => {
  it("ends with UNAUTHENTICATED when its session logs out", async () => {
    const botId = await createBot(t.url, owner);
    const alice = await member();
    const stream = sourceEvents(wsClient(t.url, { authorization: alice.token }), botId);
    await following(t, 1);
    await gqlRaw(t.url, `mutation { logOut }`, {}, alice.headers);
    expect(await stream.ended).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("ends with FORBIDDEN when its member is removed from the workspace, on another instance too", async () => {
    const botId = await createBot(t.url, owner);
    const bob = await member();
    const here = sourceEvents(wsClient(t.url, { authorization: bob.token }), botId);
    const there = sourceEvents(wsClient(other.url, { authorization: bob.token }), botId);
    await following(t, 1);
    await following(other, 1);
    const removed = await gqlRaw(
      t.url,
      `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`,
      { w: owner.workspaceId, u: bob.userId },
      owner.headers,
    );
    expect(removed.errors).toBeUndefined();
    expect(await here.ended).toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/no longer a member/) });
    expect(await there.ended).toMatchObject({ code: "FORBIDDEN" });
  });

  it("ends with NOT_FOUND when its bot is deleted, and with UNAUTHENTICATED when its session expires", async () => {
    const botId = await createBot(t.url, owner);
    const carol = await member();
    const deleted = sourceEvents(wsClient(t.url, { authorization: carol.token }), botId);
    await following(t, 1);
    await gqlRaw(t.url, `mutation($b: ID!) { deleteBot(id: $b) }`, { b: botId }, owner.headers);
    expect(await deleted.ended).toMatchObject({ code: "NOT_FOUND" });

    const next = await createBot(t.url, owner);
    const expiring = sourceEvents(wsClient(t.url, { authorization: carol.token }), next);
    await following(t, 1);
    await t.app.services.db.prisma.authToken.updateMany({ where: { userId: carol.userId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await expiring.ended).toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/expired/) });
  });

  it("goes on while its rights hold: another member's removal does not end it", async () => {
    const botId = await createBot(t.url, owner);
    const dave = await member();
    const erin = await member();
    const kept = sourceEvents(wsClient(t.url, { authorization: dave.token }), botId);
    await following(t, 1);
    await gqlRaw(t.url, `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`, { w: owner.workspaceId, u: erin.userId }, owner.headers);
    const outcome = await Promise.race([kept.ended, new Promise((resolve) => setTimeout(() => resolve("still open"), 1000))]);
    expect(outcome).toBe("still open");
  });
});

describe("a visitor's answer", () => {
  async function activeBotWithKey() {
    const botId = await createBot(t.url, owner);
    await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { id } }`, { b: botId }, owner.headers);
    const key = await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret apiKey { id } } }`, { b: botId }, owner.headers);
    // Something to answer from, so the question goes to the model.
    const source = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addTextSource(botId: $b, title: "Counting", text: "Every morning the shop counts its stock: one, two, three crates of apples.") { id } }`,
      { b: botId },
      owner.headers,
    );
    await waitForSource(t, source.data!.addTextSource.id);
    return { botId, secret: key.data!.createApiKey.secret as string, keyId: key.data!.createApiKey.apiKey.id as string };
  }

  /** Starts a visitor's answer that streams until the test releases it; resolves once its first token arrived. */
  async function slowAnswer(botId: string, secret: string) {
    ollama.scriptChat({ tokens: ["One ", "two ", "three."], holdAfter: 1 });
    let first!: () => void;
    const started = new Promise<void>((resolve) => (first = resolve));
    const events: ChatEvent[] = [];
    const ended = chatOverWs(wsClient(t.url, { apiKey: secret }), { botId, message: "How does the shop count its stock every morning?" }, (event) => {
      events.push(event);
      if (event.__typename === "ChatToken") first();
    }).then(
      () => "completed" as const,
      (error: Error & { extensions?: { code?: unknown } }) => error.extensions?.code,
    );
    await started;
    return { ended, events };
  }

  it("ends with UNAUTHENTICATED when its key is revoked mid-answer", async () => {
    const { botId, secret, keyId } = await activeBotWithKey();
    const answer = await slowAnswer(botId, secret);
    await gqlRaw(t.url, `mutation($k: ID!) { revokeApiKey(id: $k) { status } }`, { k: keyId }, owner.headers);
    expect(await answer.ended).toBe("UNAUTHENTICATED");
    ollama.release();
    expect(answer.events.map((e) => e.__typename)).not.toContain("ChatCompleted");
  });

  it("ends when its key is rotated or its bot archived", async () => {
    const rotated = await activeBotWithKey();
    const first = await slowAnswer(rotated.botId, rotated.secret);
    await gqlRaw(t.url, `mutation($k: ID!) { rotateApiKey(id: $k) { secret } }`, { k: rotated.keyId }, owner.headers);
    expect(await first.ended).toBe("UNAUTHENTICATED");
    ollama.release();

    const archived = await activeBotWithKey();
    const second = await slowAnswer(archived.botId, archived.secret);
    await gqlRaw(t.url, `mutation($b: ID!) { archiveBot(id: $b) { status } }`, { b: archived.botId }, owner.headers);
    expect(await second.ended).toBe("FORBIDDEN");
    ollama.release();
  });
});
