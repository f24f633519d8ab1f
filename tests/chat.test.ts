import { beforeAll, describe, expect, it } from "@jest/globals";
import { print } from "graphql";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { Chat, chatOverWs, type ChatEvent } from "./helpers/chat.js";
import { startFakeOllama, type FakeOllama } from "./helpers/fake-ollama.js";
import { gqlRaw, wsClient } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

let t: TestApp;
let ollama: FakeOllama;
let account: Account;
let botId: string;
let warrantyId: string;

const SEND = `mutation($b: ID!, $m: String!, $s: String) { sendMessage(botId: $b, message: $m, sessionId: $s) { sessionId message { id content errorCode } sources { id name } } }`;

async function addText(bot: string, title: string, text: string): Promise<string> {
  const added = await gqlRaw(
    t.url,
    `mutation($b: ID!, $t: String!, $x: String!) { addTextSource(botId: $b, title: $t, text: $x) { id } }`,
    { b: bot, t: title, x: text },
    account.headers,
  );
  const id = added.data!.addTextSource.id as string;
  expect((await waitForSource(t, id)).syncStatus).toBe("SYNCED");
  return id;
}

beforeAll(async () => {
  ollama = await startFakeOllama();
  t = await startApp({ OLLAMA_BASE_URL: ollama.url, CHAT_TIMEOUT_MS: "1500" });
  account = await signUp(t.url);
  botId = await createBot(t.url, account);
  warrantyId = await addText(botId, "Warranty", "The warranty lasts two years from the day of delivery.");
  await addText(botId, "Shipping", "Parcels ship within two days to Europe.");
});

const sse = async (query: string, variables: object): Promise<ChatEvent[]> => {
  const response = await fetch(`${t.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...account.headers },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("event: next"))
    .map(
      (block) =>
        JSON.parse(
          block
            .split("\n")
            .find((l) => l.startsWith("data: "))!
            .slice(6),
        ).data.chat as ChatEvent,
    );
};

describe("chat", () => {
  it("streams tokens over graphql-ws as the model makes them, then the answer with its sources and session", async () => {
    ollama.scriptChat({ tokens: ["The ", "warranty ", "lasts ", "two ", "years", "."], holdAfter: 2 });
    const sentWhenFirstArrived: number[] = [];
    const events = await chatOverWs(wsClient(t.url, account.headers), { botId, message: "How long is the warranty?" }, (event) => {
      if (event.__typename === "ChatToken") {
        sentWhenFirstArrived.push(ollama.sentTokens);
        // The model holds the rest until these arrive: tokens really stream.
        if (sentWhenFirstArrived.length === 2) ollama.release();
      }
    });
    expect(sentWhenFirstArrived.slice(0, 2)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(sentWhenFirstArrived[0]).toBeLessThan(6);

    expect(events[0]).toMatchObject({ __typename: "ChatStarted", sessionId: expect.stringMatching(/^ses_[\w-]{32}$/) });
    const tokens = events.filter((e) => e.__typename === "ChatToken").map((e) => e.text);
    expect(tokens).toEqual(["The ", "warranty ", "lasts ", "two ", "years", "."]);
    const done = events.at(-1)!;
    expect(done).toMatchObject({
      __typename: "ChatCompleted",
      sessionId: events[0]!.sessionId,
      message: { content: "The warranty lasts two years.", model: "llama3.2", promptTokens: 42, completionTokens: 6 },
    });
    expect(done.message.latencyMs).toBeGreaterThanOrEqual(0);
    expect(done.sources[0]).toMatchObject({ type: "TEXT", id: warrantyId, name: "Warranty", url: null, page: null });
    expect(done.sources[0].snippet).toContain("The warranty lasts two years");
    expect(new Set(done.sources.map((s: { id: string }) => s.id)).size).toBe(done.sources.length);

    // What the model was asked: the system prompt, then the question with the retrieved context.
    const request = ollama.requests.filter((r) => r.path === "/api/chat").at(-1)!.body;
    expect(request).toMatchObject({ model: "llama3.2", stream: true, options: { temperature: 0.2 } });
    expect(request.messages[0].role).toBe("system");
    expect(request.messages.at(-1).content).toMatch(/\[1\] \(Warranty\)\nThe warranty lasts two years/);
    expect(request.messages.at(-1).content).toMatch(/Question: How long is the warranty\?$/);
  });

  it("streams over server-sent events too", async () => {
    ollama.scriptChat({ tokens: ["Two ", "days", "."] });
    const events = await sse(print(Chat), { botId, message: "How fast do parcels ship?" });
    expect(events.map((e) => e.__typename)).toEqual(["ChatStarted", "ChatToken", "ChatToken", "ChatToken", "ChatCompleted"]);
    expect(events.at(-1)!.message.content).toBe("Two days.");
  });

  it("continues a conversation: the second turn sends the earlier turns to the model", async () => {
    ollama.scriptChat({ tokens: ["Two years."] }, { tokens: ["Yes, from delivery."] });
    const first = await gqlRaw(t.url, SEND, { b: botId, m: "How long is the warranty?" }, account.headers);
    const sessionId = first.data!.sendMessage.sessionId;
    const second = await gqlRaw(t.url, SEND, { b: botId, m: "Does it start at delivery?", s: sessionId }, account.headers);
    expect(second.errors).toBeUndefined();
    expect(second.data!.sendMessage).toMatchObject({ sessionId, message: { content: "Yes, from delivery." } });
    const messages = ollama.requests.filter((r) => r.path === "/api/chat").at(-1)!.body.messages;
    expect(messages.map((m: { role: string }) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(messages[1].content).toBe("How long is the warranty?");
    expect(messages[2].content).toBe("Two years.");

    const log = await gqlRaw(
      t.url,
      `query($b: ID!) { bot(id: $b) { sessions(first: 1) { edges { node { messages { totalCount edges { node { role content } } } } } } } }`,
      { b: botId },
      account.headers,
    );
    const conversation = log.data!.bot.sessions.edges[0].node.messages;
    expect(conversation.totalCount).toBe(4);
    expect(conversation.edges.map((e: { node: { role: string } }) => e.node.role)).toEqual(["USER", "ASSISTANT", "USER", "ASSISTANT"]);
  });

  it("refuses another bot's session id, and another workspace's bot", async () => {
    const otherBot = await createBot(t.url, account, "Other");
    ollama.scriptChat({ tokens: ["ok"] });
    const first = await gqlRaw(t.url, SEND, { b: otherBot, m: "Hello?" }, account.headers);
    const theirs = await gqlRaw(t.url, SEND, { b: botId, m: "Hi", s: first.data!.sendMessage.sessionId }, account.headers);
    expect(theirs.errors?.[0]).toMatchObject({ message: "Session not found.", extensions: { code: "NOT_FOUND" } });
    const made = await gqlRaw(t.url, SEND, { b: botId, m: "Hi", s: "ses_madeup" }, account.headers);
    expect(made.errors?.[0]?.message).toBe("Session not found.");

    const stranger = await signUp(t.url);
    const foreign = await gqlRaw(t.url, SEND, { b: botId, m: "Hi" }, stranger.headers);
    expect(foreign.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    await expect(chatOverWs(wsClient(t.url, stranger.headers), { botId, message: "Hi" })).rejects.toMatchObject({ extensions: { code: "NOT_FOUND" } });
  });

  it("closes the model's request when the client goes away mid-answer, and keeps what was said", async () => {
    ollama.scriptChat({ tokens: Array.from({ length: 50 }, (_, i) => `w${i} `), delayMs: 30 });
    const before = ollama.abortedChats;
    const events = await chatOverWs(wsClient(t.url, account.headers), { botId, message: "Tell me everything about the warranty." }, (event, unsubscribe) => {
      if (event.__typename === "ChatToken") unsubscribe();
    });
    const sessionId = events[0]!.sessionId;
    for (let i = 0; i < 100 && ollama.abortedChats === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ollama.abortedChats).toBe(before + 1);
    expect(ollama.sentTokens).toBeGreaterThan(0);
    const session = await t.app.services.db.prisma.chatSession.findUniqueOrThrow({
      where: { publicId: sessionId },
      include: { messages: { orderBy: { createdAt: "asc" } } },
    });
    for (let i = 0; i < 50 && session.messages.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      session.messages = await t.app.services.db.prisma.message.findMany({ where: { sessionId: session.id }, orderBy: { createdAt: "asc" } });
    }
    expect(session.messages.map((m) => [m.role, m.errorCode])).toEqual([
      ["USER", null],
      ["ASSISTANT", "CANCELLED"],
    ]);
  });

  it("asks for the question's embedding at once, and closes that request too when the client goes away", async () => {
    ollama.holdEmbeds(true);
    try {
      const before = ollama.abortedEmbeds;
      const events = await chatOverWs(wsClient(t.url, account.headers), { botId, message: "Can the warranty be transferred?" }, (event, unsubscribe) => {
        if (event.__typename === "ChatStarted") unsubscribe();
      });
      for (let i = 0; i < 100 && ollama.abortedEmbeds === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(ollama.abortedEmbeds).toBe(before + 1);
      const messages = () =>
        t.app.services.db.prisma.message.findMany({ where: { session: { publicId: events[0]!.sessionId } }, orderBy: { createdAt: "asc" } });
      for (let i = 0; i < 50 && (await messages()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await messages()).map((m) => [m.role, m.errorCode])).toEqual([
        ["USER", null],
        ["ASSISTANT", "CANCELLED"],
      ]);
    } finally {
      ollama.holdEmbeds(false);
      ollama.release();
    }
  });

  it.each([
    ["a model that stalls", { tokens: ["late"], stallMs: 4000 }, /did not answer within 1.5 s/],
    ["a stream cut halfway", { tokens: ["The ", "warranty ", "lasts"], cutAfter: 2 }, /Ollama/],
  ])("reports %s as MODEL_UNAVAILABLE, keeps the question, and ends the stream", async (_what, script, message) => {
    ollama.scriptChat(script);
    const events = await chatOverWs(wsClient(t.url, account.headers), { botId, message: "How long is the warranty?" });
    const failed = events.at(-1)!;
    expect(failed).toMatchObject({ __typename: "ChatFailed", code: "MODEL_UNAVAILABLE", sessionId: events[0]!.sessionId });
    expect(failed.error).toMatch(message);
    const messages = await t.app.services.db.prisma.message.findMany({ where: { session: { publicId: events[0]!.sessionId } }, orderBy: { createdAt: "asc" } });
    expect(messages[0]).toMatchObject({ role: "USER", content: "How long is the warranty?" });
    expect(messages[1]).toMatchObject({ role: "ASSISTANT", errorCode: "MODEL_UNAVAILABLE" });
  });

  it("names a missing model, and fails sendMessage with MODEL_UNAVAILABLE", async () => {
    const bot = await createBot(t.url, account, "Custom model");
    await addText(bot, "Warranty", "The warranty lasts two years from the day of delivery.");
    await gqlRaw(t.url, `mutation($b: ID!) { updateBot(id: $b, input: { settings: { chatModel: "mistral" } }) { id } }`, { b: bot }, account.headers);
    const result = await gqlRaw(t.url, SEND, { b: bot, m: "How long is the warranty?" }, account.headers);
    expect(result.errors?.[0]).toMatchObject({
      message: "The chat model mistral is not available in Ollama (run: ollama pull mistral).",
      extensions: { code: "MODEL_UNAVAILABLE" },
    });
  });

  it("reports Ollama being down as an error event, without hanging", async () => {
    const down = await startApp({ OLLAMA_BASE_URL: "http://127.0.0.1:9", CHAT_TIMEOUT_MS: "1000" });
    const admin = await signUp(down.url);
    const bot = await createBot(down.url, admin);
    const events = await chatOverWs(wsClient(down.url, admin.headers), { botId: bot, message: "Anyone there?" });
    expect(events.map((e) => e.__typename)).toEqual(["ChatStarted", "ChatFailed"]);
    expect(events[1]).toMatchObject({ code: "MODEL_UNAVAILABLE", error: expect.stringMatching(/^Ollama at http:\/\/127.0.0.1:9/) });
  });

  it("records a thumbs up or down on an answer", async () => {
    ollama.scriptChat({ tokens: ["Two years."] });
    const answer = await gqlRaw(t.url, SEND, { b: botId, m: "Warranty?" }, account.headers);
    const id = answer.data!.sendMessage.message.id;
    const rated = await gqlRaw(t.url, `mutation($id: ID!) { rateMessage(messageId: $id, rating: DOWN) { feedback } }`, { id }, account.headers);
    expect(rated.data!.rateMessage.feedback).toBe("DOWN");
    const stranger = await signUp(t.url);
    const foreign = await gqlRaw(t.url, `mutation($id: ID!) { rateMessage(messageId: $id, rating: UP) { feedback } }`, { id }, stranger.headers);
    expect(foreign.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("refuses an empty or overlong question", async () => {
    expect((await gqlRaw(t.url, SEND, { b: botId, m: "   " }, account.headers)).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await gqlRaw(t.url, SEND, { b: botId, m: "x".repeat(5000) }, account.headers)).errors?.[0]?.message).toMatch(/longer than 4000/);
  });
});
