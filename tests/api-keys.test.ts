import { request as httpRequest } from "node:http";
import { beforeAll, describe, expect, it, jest } from "@jest/globals";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { chatOverWs } from "./helpers/chat.js";
import { gqlRaw, wsClient } from "./helpers/graphql.js";

let t: TestApp;
let admin: Account;
let botId: string;
let key: { id: string; secret: string };

const SEND = `mutation($b: ID!) { sendMessage(botId: $b, message: "Hello?") { sessionId message { role model } } }`;

async function issueKey(bot: string): Promise<{ id: string; secret: string }> {
  const result = await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret apiKey { id } } }`, { b: bot }, admin.headers);
  return { id: result.data!.createApiKey.apiKey.id, secret: result.data!.createApiKey.secret };
}

async function configure(bot: string, input: Record<string, unknown>) {
  const result = await gqlRaw(t.url, `mutation($b: ID!, $i: UpdateBotInput!) { updateBot(id: $b, input: $i) { id } }`, { b: bot, i: input }, admin.headers);
  expect(result.errors).toBeUndefined();
}

const asKey = (secret: string, origin?: string) => ({ "x-api-key": secret, ...(origin && { origin }) });

beforeAll(async () => {
  t = await startApp();
  admin = await signUp(t.url);
  botId = await createBot(t.url, admin, "Widget bot");
  await configure(botId, { allowedDomains: ["www.example.com", "*.example.org"], settings: { greeting: "Hi! Ask me anything." } });
  await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, admin.headers);
  key = await issueKey(botId);
});

describe("API keys on the wire", () => {
  it("take an expiry as an RFC 3339 date-time, and refuse a date the server would have to guess at", async () => {
    const create = `mutation($b: ID!, $e: DateTime) { createApiKey(botId: $b, name: "dated", expiresAt: $e) { apiKey { expiresAt } } }`;
    const dated = await gqlRaw(t.url, create, { b: botId, e: "2031-05-04T10:15:30+02:00" }, admin.headers);
    expect(dated.data!.createApiKey.apiKey.expiresAt).toBe("2031-05-04T08:15:30.000Z");
    for (const guess of ["tomorrow", "05/04/2031", "2031-13-01T00:00:00Z"]) {
      const refused = await gqlRaw(t.url, create, { b: botId, e: guess }, admin.headers);
      expect([guess, refused.errors?.[0]?.extensions?.code]).toEqual([guess, "BAD_USER_INPUT"]);
      expect(refused.errors?.[0]?.message).toContain("date-time");
    }
  });

  it("give the console's preview one key per bot and person, for an hour, not listed among the bot's keys", async () => {
    const PREVIEW = `mutation($b: ID!) { previewWidget(botId: $b) { path expiresAt } }`;
    const first = (await gqlRaw(t.url, PREVIEW, { b: botId }, admin.headers)).data!.previewWidget;
    const second = (await gqlRaw(t.url, PREVIEW, { b: botId }, admin.headers)).data!.previewWidget;
    const secretOf = (path: string) => new URL(path, t.url).searchParams.get("api_key")!;
    expect(second.path).toMatch(new RegExp(`^/widget/${botId}\\?api_key=pk_`));
    expect(new Date(second.expiresAt).getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    // The second ended the first: one preview key works, and it chats.
    expect((await gqlRaw(t.url, SEND, { b: botId }, asKey(secretOf(first.path)))).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await gqlRaw(t.url, SEND, { b: botId }, asKey(secretOf(second.path)))).errors).toBeUndefined();
    const listed = await gqlRaw(
      t.url,
      `query($b: ID!) { bot(id: $b) { apiKeys(first: 50) { totalCount edges { node { name } } } } }`,
      { b: botId },
      admin.headers,
    );
    expect(listed.data!.bot.apiKeys.edges.map((e: { node: { name: string } }) => e.node.name)).not.toContain("Console preview");
    expect(listed.data!.bot.apiKeys.totalCount).toBe(listed.data!.bot.apiKeys.edges.length);
    // Another workspace's bot: not found.
    const stranger = await signUp(t.url);
    expect((await gqlRaw(t.url, PREVIEW, { b: botId }, stranger.headers)).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("let a public client chat with its bot over HTTP, by header or ?api_key=, and read its public face", async () => {
    const byHeader = await gqlRaw(t.url, SEND, { b: botId }, asKey(key.secret, "https://www.example.com"));
    expect(byHeader.errors).toBeUndefined();
    // The bot has no sources: the answer says so, and no model was asked.
    expect(byHeader.data!.sendMessage.message).toEqual({ role: "ASSISTANT", model: null });
    const session = await t.app.services.db.prisma.chatSession.findUniqueOrThrow({ where: { publicId: byHeader.data!.sendMessage.sessionId } });
    expect(session.apiKeyId).toBe(key.id);

    const response = await fetch(`${t.url}/graphql?api_key=${encodeURIComponent(key.secret)}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://shop.example.org" },
      body: JSON.stringify({ query: `{ publicBot { id name greeting title position } }` }),
    });
    const body = (await response.json()) as { data: unknown };
    expect(body.data).toEqual({ publicBot: { id: botId, name: "Widget bot", greeting: "Hi! Ask me anything.", title: "Widget bot", position: "right" } });

    const row = await t.app.services.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.lastUsedAt).not.toBeNull();
  });

  it.each([
    ["no key", undefined, "UNAUTHENTICATED", /Log in first .* or send an API key/],
    ["a malformed key", "not-a-key", "UNAUTHENTICATED", /API key is not valid/],
    ["a wrong key", "pk_" + "x".repeat(43), "UNAUTHENTICATED", /API key is not valid/],
  ])("refuse %s with %s", async (_what, secret, code, message) => {
    const result = await gqlRaw(t.url, SEND, { b: botId }, secret ? asKey(secret) : {});
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("are looked up once for a socket's opening and its first question, and again for a question after the rights window", async () => {
    const socketKey = await issueKey(botId);
    const authenticate = jest.spyOn(t.app.services.publicAccess, "authenticate");
    try {
      // One socket kept open between the questions, as the widget keeps its own.
      const client = createClient({
        url: `${t.url.replace(/^http/, "ws")}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { apiKey: socketKey.secret },
        retryAttempts: 0,
        lazyCloseTimeout: 30_000,
      });
      const first = await chatOverWs(client, { botId, message: "Hello?" });
      expect(first.at(-1)).toMatchObject({ __typename: "ChatCompleted" });
      expect(authenticate).toHaveBeenCalledTimes(1);
      // Past LIVE_ACCESS_CHECK_MS (2 s here), the key is looked up again: a revocation counts from then.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await gqlRaw(t.url, `mutation($id: ID!) { revokeApiKey(id: $id) { status } }`, { id: socketKey.id }, admin.headers);
      await expect(chatOverWs(client, { botId, message: "Still there?" })).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
      expect(authenticate).toHaveBeenCalledTimes(2);
      await client.dispose();
    } finally {
      authenticate.mockRestore();
    }
  });

  it("refuse revoked, rotated-away and expired keys, over HTTP and websocket", async () => {
    const revoked = await issueKey(botId);
    await gqlRaw(t.url, `mutation($id: ID!) { revokeApiKey(id: $id) { status } }`, { id: revoked.id }, admin.headers);
    const rotated = await issueKey(botId);
    const replaced = await gqlRaw(t.url, `mutation($id: ID!) { rotateApiKey(id: $id) { secret } }`, { id: rotated.id }, admin.headers);
    const expired = await issueKey(botId);
    await t.app.services.db.prisma.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    for (const secret of [revoked.secret, rotated.secret, expired.secret]) {
      const result = await gqlRaw(t.url, SEND, { b: botId }, asKey(secret));
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
      await expect(chatOverWs(wsClient(t.url, { apiKey: secret }), { botId, message: "Hi" })).rejects.toMatchObject({ code: 4403 });
    }
    expect((await gqlRaw(t.url, SEND, { b: botId }, asKey(replaced.data!.rotateApiKey.secret))).errors).toBeUndefined();
  });

  it("refuse another bot's key and an inactive bot with FORBIDDEN", async () => {
    const other = await createBot(t.url, admin, "Other");
    await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: other }, admin.headers);
    const otherKey = await issueKey(other);
    const wrongBot = await gqlRaw(t.url, SEND, { b: botId }, asKey(otherKey.secret));
    expect(wrongBot.errors?.[0]).toMatchObject({ message: "This API key belongs to another bot.", extensions: { code: "FORBIDDEN" } });

    await gqlRaw(t.url, `mutation($b: ID!) { archiveBot(id: $b) { status } }`, { b: other }, admin.headers);
    const archived = await gqlRaw(t.url, `mutation($b: ID!) { sendMessage(botId: $b, message: "Hi") { sessionId } }`, { b: other }, asKey(otherKey.secret));
    expect(archived.errors?.[0]).toMatchObject({ message: "This bot is not active.", extensions: { code: "FORBIDDEN" } });
  });

  it.each([
    ["bots", `{ bots { totalCount } }`],
    ["me", `{ me { email } }`],
    ["bot", `query($b: ID!) { bot(id: $b) { name apiKeys { totalCount } } }`],
    ["createApiKey", `mutation($b: ID!) { createApiKey(botId: $b, name: "mine") { secret } }`],
    ["updateBot", `mutation($b: ID!) { updateBot(id: $b, input: { name: "taken" }) { id } }`],
    ["sourceEvents (over SSE)", `subscription($b: ID!) { sourceEvents(botId: $b) { status } }`],
  ])("cannot reach admin fields: %s is FORBIDDEN", async (_name, query) => {
    const result = await gqlRaw(t.url, query, { b: botId }, asKey(key.secret));
    expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(result.errors?.[0]?.message).toMatch(/An API key can only chat with its bot/);
  });
});

describe("allowed domains", () => {
  it.each([
    ["https://www.example.com", true],
    ["https://shop.example.org", true],
    ["https://a.b.example.org:8443", true],
    ["https://example.org", false],
    ["https://www.example.com.evil.io", false],
    ["https://evil.io", false],
  ])("a page on %s may chat: %s (HTTP)", async (origin, allowed) => {
    const result = await gqlRaw(t.url, SEND, { b: botId }, asKey(key.secret, origin));
    if (allowed) expect(result.errors).toBeUndefined();
    else expect(result.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" }, message: expect.stringMatching(/not allowed to use this bot/) });
  });

  it("checks the Referer when there is no Origin", async () => {
    const result = await gqlRaw(t.url, SEND, { b: botId }, { "x-api-key": key.secret, referer: "https://evil.io/page" });
    expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it.each([
    ["a sandboxed or no-referrer page (Origin: null)", { origin: "null" }],
    ["a page naming no origin, sent by a browser", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" }],
    ["a file: page", { origin: "file://" }],
    ["an Origin that is not an address", { origin: "not a url" }],
  ])("refuses %s for a bot with allowed domains, over HTTP and SSE", async (_what, headers) => {
    const http = await gqlRaw(t.url, SEND, { b: botId }, { ...asKey(key.secret), ...headers });
    expect(http.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const sse = await fetch(
      `${t.url}/graphql?query=${encodeURIComponent(`subscription($b: ID!) { chat(botId: $b, message: "Hi") { __typename } }`)}&variables=${encodeURIComponent(JSON.stringify({ b: botId }))}`,
      {
        headers: { accept: "text/event-stream", "x-api-key": key.secret, ...headers },
      },
    );
    expect(await sse.text()).toMatch(/FORBIDDEN/);
  });

  it("refuses a page whose Origin is the request's own Host (a name pointed at this server: DNS rebinding)", async () => {
    const port = new URL(t.url).port;
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(
        {
          host: "127.0.0.1",
          port,
          path: "/graphql",
          method: "POST",
          headers: { host: `rebound.example:${port}`, origin: `http://rebound.example:${port}`, "content-type": "application/json", ...asKey(key.secret) },
        },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => resolve(text));
        },
      );
      request.on("error", reject);
      request.end(JSON.stringify({ query: SEND, variables: { b: botId } }));
    });
    expect(JSON.parse(body).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("lets a server-side client (no Origin, Referer or Sec-Fetch-Site) through, as the README says", async () => {
    const result = await gqlRaw(t.url, SEND, { b: botId }, { ...asKey(key.secret), "user-agent": "curl/8.5" });
    expect(result.errors).toBeUndefined();
  });

  it("refuses a websocket from a sandboxed page (Origin: null) with 4403", async () => {
    const client = createClient({
      url: `${t.url.replace("http", "ws")}/graphql`,
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers: { origin: "null" } });
        }
      },
      connectionParams: { apiKey: key.secret },
      retryAttempts: 0,
    });
    await expect(chatOverWs(client, { botId, message: "Hi" })).rejects.toMatchObject({ code: 4403 });
  });

  it("refuses a websocket from a page that is not allowed with 4403, and serves one that is", async () => {
    const client = (origin: string) =>
      createClient({
        url: `${t.url.replace("http", "ws")}/graphql`,
        webSocketImpl: class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers: { origin } });
          }
        },
        connectionParams: { apiKey: key.secret },
        retryAttempts: 0,
      });
    await expect(chatOverWs(client("https://evil.io"), { botId, message: "Hi" })).rejects.toMatchObject({ code: 4403 });
    const allowed = await chatOverWs(client("https://www.example.com"), { botId, message: "Hi" });
    expect(allowed.at(-1)!.__typename).toBe("ChatCompleted");
  });

  it("keeps browsers away from a bot that is neither public nor lists domains, unless it is public", async () => {
    const bot = await createBot(t.url, admin, "Private");
    await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: bot }, admin.headers);
    const privateKey = await issueKey(bot);
    const send = (origin?: string) =>
      gqlRaw(t.url, `mutation($b: ID!) { sendMessage(botId: $b, message: "Hi") { sessionId } }`, { b: bot }, asKey(privateKey.secret, origin));
    expect((await send("https://anywhere.io")).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await send()).errors).toBeUndefined(); // a server-side client, no Origin
    await configure(bot, { isPublic: true });
    expect((await send("https://anywhere.io")).errors).toBeUndefined();
  });
});
