import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Client } from "graphql-ws";
import { codeOf, createBot, invite, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { chatOverWs, type ChatEvent } from "./helpers/chat.js";
import { startFakeOllama, type FakeOllama } from "./helpers/fake-ollama.js";
import { gqlRaw, wsClient, type AnyData } from "./helpers/graphql.js";
import { startRedis } from "./helpers/redis.js";
import { waitForSource } from "./helpers/sources.js";
import { asksForPerson } from "../src/services/handoff/asks-for-person.js";
import { isOpen } from "../src/services/handoff/hours.js";

/**
 * Live hand-off through the public API: a visitor (API key) asks for a
 * person, an operator (a member marked so) claims the conversation on
 * another instance, they talk both ways with typing, the bot stays silent
 * meanwhile, and answers again once the operator hands back.
 */

let t: TestApp;
/** A second instance on the same database and Redis: the visitor talks to it, the operators to `t`. */
let other: TestApp;
let ollama: FakeOllama;
let owner: Account;
let operator: Account;
let second: Account;
let botId: string;
let apiKey: string;
let stopRedis: () => Promise<void>;

const EVENT_FIELDS = `
  __typename
  ... on HandoffPosition { conversationId position }
  ... on HandoffQueued { conversationId }
  ... on HandoffJoined { conversationId operatorName operatorId }
  ... on HandoffLeft { conversationId reason }
  ... on HandoffTyping { conversationId by }
  ... on HandoffMessage { conversationId message { id role content authorName } }`;

/** A live stream's events as they come; `next(type)` waits for the next one of that type. */
function listen(client: Client, query: string, variables: Record<string, unknown>) {
  const events: AnyData[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  const dispose = client.subscribe(
    { query, variables },
    {
      next: ({ data, errors: failed }) => {
        if (failed?.length) errors.push(failed[0]!.extensions?.code);
        if (data) events.push(Object.values(data)[0] as AnyData);
        waiters.forEach((wake) => wake());
      },
      error: (error) => errors.push(error),
      complete: () => {},
    },
  );
  let read = 0;
  return {
    events,
    errors,
    dispose,
    /** The next event of `type` after those already taken. */
    async next(type: string): Promise<AnyData> {
      for (let tries = 0; tries < 500; tries++) {
        const index = events.findIndex((event, i) => i >= read && event.__typename === type);
        if (index >= 0) {
          read = index + 1;
          return events[index]!;
        }
        if (errors.length) throw new Error(`stream failed: ${JSON.stringify(errors)}`);
        await new Promise<void>((resolve) => {
          const wake = () => (waiters.delete(wake), resolve());
          waiters.add(wake);
          setTimeout(wake, 20);
        });
      }
      throw new Error(`no ${type} among ${JSON.stringify(events)}`);
    },
  };
}

const visitor = () => wsClient(other.url, { apiKey });
const asMember = (account: Account) => wsClient(t.url, { authorization: account.token });

const visitorEvents = (sessionId: string) =>
  listen(visitor(), `subscription($b: ID!, $s: String!) { conversationEvents(botId: $b, sessionId: $s) { ${EVENT_FIELDS} } }`, { b: botId, s: sessionId });
const inbox = (account: Account) => listen(asMember(account), `subscription($b: ID!) { handoffEvents(botId: $b) { ${EVENT_FIELDS} } }`, { b: botId });

const member = (account: Account, query: string, variables: Record<string, unknown> = {}) => gqlRaw(t.url, query, variables, account.headers);
const online = (account: Account, presence = "ONLINE") =>
  member(account, `mutation($p: Presence!) { setPresence(presence: $p) { presence } }`, { p: presence });
const claim = (account: Account, id: string) =>
  member(account, `mutation($id: ID!) { claimConversation(id: $id) { id handoffState operator { id } } }`, { id });
const reply = (account: Account, id: string, message: string) =>
  member(account, `mutation($id: ID!, $m: String!) { replyToConversation(id: $id, message: $m) { id role content authorName } }`, { id, m: message });

async function ask(message: string, sessionId?: string): Promise<ChatEvent[]> {
  return chatOverWs(visitor(), { botId, message, sessionId: sessionId ?? null }).then((events) => events);
}

/** A visitor's conversation with the bot, waiting for a person: its public and internal ids. */
async function waitingConversation(): Promise<{ sessionId: string; conversationId: string }> {
  const events = await ask("Can I talk to a human?");
  const handoff = events.find((e) => e.__typename === "ChatHandoff")!;
  expect(handoff.state).toBe("WAITING");
  const row = await t.app.services.db.prisma.chatSession.findUniqueOrThrow({ where: { publicId: handoff.sessionId } });
  return { sessionId: handoff.sessionId, conversationId: row.id };
}

beforeAll(async () => {
  const redis = await startRedis();
  stopRedis = redis.stop;
  ollama = await startFakeOllama();
  t = await startApp({ OLLAMA_BASE_URL: ollama.url, REDIS_URL: redis.url });
  other = await startApp({ OLLAMA_BASE_URL: ollama.url, REDIS_URL: redis.url }, { db: t.app.services.db });
  owner = await signUp(t.url);
  [operator, second] = [await signUp(t.url, "Own"), await signUp(t.url, "Own")];
  await invite(t.url, owner, operator, "MEMBER");
  await invite(t.url, owner, second, "MEMBER");
  botId = await createBot(t.url, owner);
  const added = await member(
    owner,
    `mutation($b: ID!) { addTextSource(botId: $b, title: "Warranty", text: "The warranty lasts two years from delivery.") { id } }`,
    {
      b: botId,
    },
  );
  await waitForSource(t, added.data!.addTextSource.id);
  await member(owner, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId });
  await member(owner, `mutation($b: ID!) { updateBot(id: $b, input: { settings: { handoff: WHEN_UNANSWERED } }) { id } }`, { b: botId });
  const key = await member(owner, `mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret } }`, { b: botId });
  apiKey = key.data!.createApiKey.secret;
  const set = await member(owner, `mutation($b: ID!, $u: [ID!]!) { setBotOperators(botId: $b, userIds: $u) { operators { id } } }`, {
    b: botId,
    u: [operator.userId, second.userId],
  });
  expect(set.errors).toBeUndefined();
});

afterAll(() => stopRedis());

describe("asking for a person", () => {
  it("is recognised in the widget's languages, and not in questions about people", () => {
    for (const asks of [
      "Can I talk to a human?",
      "speak with an agent please",
      "I want a real person",
      "agent",
      "Kann ich mit einem Menschen sprechen?",
      "Je voudrais parler à un conseiller",
      "Kan ik met een medewerker praten?",
      "¿Puedo hablar con una persona?",
    ]) {
      expect([asks, asksForPerson(asks)]).toEqual([asks, true]);
    }
    for (const question of ["Who is your sales agent?", "How many people work at the shop?", "Is the warranty human error proof?"]) {
      expect([question, asksForPerson(question)]).toEqual([question, false]);
    }
  });

  it("changes nothing while no operator is online, and says so", async () => {
    await online(operator, "OFFLINE");
    await online(second, "OFFLINE");
    const events = await ask("Can I talk to a human?");
    expect(events.map((e) => e.__typename)).toEqual(["ChatStarted", "ChatHandoff"]);
    expect(events[1]).toMatchObject({ state: "BOT", position: null });
    const row = await t.app.services.db.prisma.chatSession.findUniqueOrThrow({ where: { publicId: events[0]!.sessionId } });
    expect(row).toMatchObject({ handoffState: "BOT", handedOff: false });
  });

  it("is offered when the bot cannot answer from its sources, not when it can", async () => {
    ollama.scriptChat({ tokens: ["Two years."] });
    const answered = await ask("How long does the warranty last?");
    expect(answered.at(-1)).toMatchObject({ __typename: "ChatCompleted", offerPerson: false });
    const missed = await ask("Do you sell garden furniture?");
    expect(missed.at(-1)).toMatchObject({ __typename: "ChatCompleted", offerPerson: true });
    const offered = await gqlRaw(other.url, `query { publicBot { handoff personAvailable } }`, {}, { "x-api-key": apiKey });
    expect(offered.data!.publicBot).toEqual({ handoff: "WHEN_UNANSWERED", personAvailable: false });
    const send = await gqlRaw(
      other.url,
      `mutation($b: ID!, $s: String) { sendMessage(botId: $b, message: "Do you sell sheds?", sessionId: $s) { offerPerson handoffState message { role } } }`,
      { b: botId, s: missed[0]!.sessionId },
      { "x-api-key": apiKey },
    );
    expect(send.data!.sendMessage).toEqual({ offerPerson: true, handoffState: "BOT", message: { role: "ASSISTANT" } });
  });
});

describe("an operator", () => {
  it("claims a waiting conversation on another instance; they talk both ways with typing, the bot stays silent, then answers again after hand-back", async () => {
    await online(operator);
    const operatorInbox = inbox(operator);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { sessionId, conversationId } = await waitingConversation();
    expect((await operatorInbox.next("HandoffQueued")).conversationId).toBe(conversationId);
    expect((await operatorInbox.next("HandoffMessage")).message).toMatchObject({ role: "USER", content: "Can I talk to a human?" });

    const seen = visitorEvents(sessionId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const claimed = await claim(operator, conversationId);
    expect(claimed.data!.claimConversation).toMatchObject({ handoffState: "PERSON", operator: { id: operator.userId } });
    expect(await seen.next("HandoffJoined")).toMatchObject({ conversationId, operatorId: operator.userId });

    await member(operator, `mutation($id: ID!) { operatorTyping(id: $id) }`, { id: conversationId });
    expect(await seen.next("HandoffTyping")).toMatchObject({ by: "OPERATOR" });
    const sent = await reply(operator, conversationId, "Hello, <b>I'm here</b>. How can I help?");
    expect(sent.errors).toBeUndefined();
    expect((await seen.next("HandoffMessage")).message).toMatchObject({ role: "OPERATOR", content: "Hello, <b>I'm here</b>. How can I help?" });

    const typed = await gqlRaw(
      other.url,
      `mutation($b: ID!, $s: String!) { visitorTyping(botId: $b, sessionId: $s) }`,
      { b: botId, s: sessionId },
      { "x-api-key": apiKey },
    );
    expect(typed.data!.visitorTyping).toBe(true);
    expect(await operatorInbox.next("HandoffTyping")).toMatchObject({ conversationId, by: "VISITOR" });

    const chats = () => ollama.requests.filter((r) => r.path === "/api/chat").length;
    const calls = chats();
    const held = await ask("My parcel arrived broken.", sessionId);
    expect(held.map((e) => e.__typename)).toEqual(["ChatStarted", "ChatHeld"]);
    expect(held[1]).toMatchObject({ state: "PERSON" });
    expect((await operatorInbox.next("HandoffMessage")).message).toMatchObject({ role: "USER", content: "My parcel arrived broken." });
    expect(chats()).toBe(calls);

    const back = await member(operator, `mutation($id: ID!) { handBackConversation(id: $id) { handoffState handedOff } }`, { id: conversationId });
    expect(back.data!.handBackConversation).toEqual({ handoffState: "BOT", handedOff: true });
    expect(await seen.next("HandoffLeft")).toMatchObject({ reason: "HANDED_BACK" });
    ollama.scriptChat({ tokens: ["Two years from delivery."] });
    const answered = await ask("How long does the warranty last?", sessionId);
    expect(answered.at(-1)).toMatchObject({ __typename: "ChatCompleted" });

    const transcript = await member(
      owner,
      `query($b: ID!, $id: ID!) { bot(id: $b) { session(id: $id) { handedOff messages { edges { node { role content authorName } } } } } }`,
      { b: botId, id: conversationId },
    );
    const roles = transcript.data!.bot.session.messages.edges.map((e: AnyData) => e.node.role);
    expect(roles).toEqual(["USER", "OPERATOR", "USER", "USER", "ASSISTANT"]);
    seen.dispose();
    operatorInbox.dispose();
  });

  it("of two claiming at once, on two instances, only one gets the conversation", async () => {
    await online(operator);
    await online(second);
    const { conversationId } = await waitingConversation();
    const [a, b] = await Promise.all([
      claim(operator, conversationId),
      gqlRaw(other.url, `mutation($id: ID!) { claimConversation(id: $id) { id } }`, { id: conversationId }, second.headers),
    ]);
    const codes = [codeOf(a), codeOf(b)].sort();
    expect(codes).toEqual(["CONFLICT", undefined].sort());
    const loser = codeOf(a) ? operator : second;
    expect(codeOf(await reply(loser, conversationId, "Me too"))).toBe("CONFLICT");
  });

  it("tells each waiting visitor their place, which moves up when one ahead is served", async () => {
    await online(operator);
    const first = await waitingConversation();
    const next = await waitingConversation();
    const queue = await member(operator, `query($b: ID!) { bot(id: $b) { handoffConversations(state: WAITING) { edges { node { id queuePosition } } } } }`, {
      b: botId,
    });
    const positions = new Map(queue.data!.bot.handoffConversations.edges.map((e: AnyData) => [e.node.id, e.node.queuePosition]));
    const nextPosition = positions.get(next.conversationId) as number;
    expect(positions.get(first.conversationId)).toBe(nextPosition - 1);
    const seen = visitorEvents(next.sessionId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await claim(operator, first.conversationId);
    expect((await seen.next("HandoffPosition")).position).toBe(nextPosition - 1);
    seen.dispose();
  });

  it("must be one of the bot's operators: other members and other tenants learn nothing", async () => {
    const { conversationId } = await waitingConversation();
    const bystander = await signUp(t.url, "Own");
    await invite(t.url, owner, bystander, "ADMIN");
    expect(codeOf(await claim(bystander, conversationId))).toBe("NOT_FOUND");
    const stranger = await signUp(t.url, "Elsewhere");
    expect(codeOf(await claim(stranger, conversationId))).toBe("NOT_FOUND");
    const stream = inbox(stranger);
    await expect(stream.next("HandoffQueued")).rejects.toThrow(/NOT_FOUND/);
    const notMember = await member(owner, `mutation($b: ID!, $u: [ID!]!) { setBotOperators(botId: $b, userIds: $u) { id } }`, {
      b: botId,
      u: [stranger.userId],
    });
    expect(codeOf(notMember)).toBe("BAD_USER_INPUT");
    const byMember = await member(operator, `mutation($b: ID!, $u: [ID!]!) { setBotOperators(botId: $b, userIds: $u) { id } }`, {
      b: botId,
      u: [operator.userId],
    });
    expect(codeOf(byMember)).toBe("FORBIDDEN");
  });
});

describe("an operator who leaves the workspace", () => {
  it("puts the conversations they held back in the queue, and the visitor hears so", async () => {
    const leaving = await signUp(t.url, "Own");
    await invite(t.url, owner, leaving, "MEMBER");
    await member(owner, `mutation($b: ID!, $u: [ID!]!) { setBotOperators(botId: $b, userIds: $u) { id } }`, {
      b: botId,
      u: [operator.userId, second.userId, leaving.userId],
    });
    await online(leaving);
    const { sessionId, conversationId } = await waitingConversation();
    expect(codeOf(await claim(leaving, conversationId))).toBeUndefined();
    const seen = visitorEvents(sessionId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const removed = await member(owner, `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`, {
      w: owner.workspaceId,
      u: leaving.userId,
    });
    expect(removed.errors).toBeUndefined();
    expect((await seen.next("HandoffQueued")).conversationId).toBe(conversationId);
    const row = await t.app.services.db.prisma.chatSession.findUniqueOrThrow({ where: { id: conversationId } });
    expect(row).toMatchObject({ handoffState: "WAITING", operatorId: null });
    const operators = await member(owner, `query($b: ID!) { bot(id: $b) { operators { id } } }`, { b: botId });
    expect(operators.data!.bot.operators.map((o: AnyData) => o.id).sort()).toEqual([operator.userId, second.userId].sort());
    seen.dispose();
  });
});

describe("business hours and messages left", () => {
  const setHours = (hours: unknown) =>
    member(owner, `mutation($b: ID!, $h: BusinessHoursInput) { updateBot(id: $b, input: { settings: { handoffHours: $h, leadFields: [NAME] } }) { id } }`, {
      b: botId,
      h: hours,
    });
  const leave = (variables: Record<string, unknown>) =>
    gqlRaw(
      other.url,
      `mutation($b: ID!, $s: String, $e: String!, $m: String!, $n: String, $p: String) { leaveMessage(botId: $b, sessionId: $s, email: $e, message: $m, name: $n, phone: $p) { id } }`,
      { b: botId, ...variables },
      { "x-api-key": apiKey },
    );

  it("are read in the business's time zone", () => {
    const hours = { timeZone: "America/New_York", days: [{ day: "MON" as const, from: "09:00", to: "17:00" }] };
    // Monday 2026-12-07 14:30 UTC is 09:30 in New York: open; 13:30 UTC is 08:30 there: not yet.
    expect(isOpen(hours, new Date("2026-12-07T14:30:00Z"))).toBe(true);
    expect(isOpen(hours, new Date("2026-12-07T13:30:00Z"))).toBe(false);
    // Tuesday 01:00 UTC is still Monday 20:00 in New York, after closing.
    expect(isOpen(hours, new Date("2026-12-08T01:00:00Z"))).toBe(false);
    expect(isOpen(null, new Date())).toBe(true);
  });

  it("refuse a time zone that does not exist, and times out of order", async () => {
    expect(codeOf(await setHours({ timeZone: "Mars/Olympus", days: [] }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await setHours({ timeZone: "UTC", days: [{ day: "MON", from: "17:00", to: "09:00" }] }))).toBe("BAD_USER_INPUT");
  });

  it("outside them, nobody is asked for: the visitor leaves a message, listed and exported, and other systems hear of it", async () => {
    await online(operator);
    const tomorrow = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"][(new Date().getUTCDay() + 1) % 7];
    expect(codeOf(await setHours({ timeZone: "UTC", days: [{ day: tomorrow, from: "00:00", to: "24:00" }] }))).toBeUndefined();
    try {
      const events = await ask("Can I talk to a human?");
      expect(events[1]).toMatchObject({ __typename: "ChatHandoff", state: "BOT", unavailable: "OUTSIDE_HOURS" });
      const face = await gqlRaw(other.url, `query { publicBot { personAvailable leadFields handoffWaitSeconds } }`, {}, { "x-api-key": apiKey });
      expect(face.data!.publicBot).toEqual({ personAvailable: false, leadFields: ["NAME"], handoffWaitSeconds: 120 });

      expect(codeOf(await leave({ s: events[0]!.sessionId, e: "not an address", m: "Call me" }))).toBe("BAD_USER_INPUT");
      const heard: unknown[] = [];
      const stop = other.app.services.botEvents.subscribe((event) => heard.push(event));
      const left = await leave({ s: events[0]!.sessionId, e: "Visitor@Example.com", m: '=HYPERLINK("x") please call, back', n: "Kim", p: "+31 20 123 4567" });
      stop();
      expect(left.errors).toBeUndefined();
      expect(heard).toEqual([expect.objectContaining({ type: "lead.created", botId, leadId: left.data!.leaveMessage.id })]);

      const listed = await member(
        operator,
        `query($b: ID!) { bot(id: $b) { leads(first: 5) { totalCount edges { node { name email phone message } } } leadsCsv } }`,
        { b: botId },
      );
      // The phone is not kept: this bot's form asks only a name.
      expect(listed.data!.bot.leads.edges[0].node).toEqual({
        name: "Kim",
        email: "visitor@example.com",
        phone: null,
        message: '=HYPERLINK("x") please call, back',
      });
      const csv = listed.data!.bot.leadsCsv as string;
      expect(csv.split("\r\n")[0]).toBe("received,name,email,phone,message");
      // A spreadsheet does not run it as a formula.
      expect(csv).toContain(`Kim,visitor@example.com,,"'=HYPERLINK(""x"") please call, back"`);
    } finally {
      await setHours(null);
    }
  });

  it("while waiting, gives up the place in the queue, and the operators see it go", async () => {
    await online(operator);
    const operatorInbox = inbox(operator);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { sessionId, conversationId } = await waitingConversation();
    expect((await leave({ s: sessionId, e: "kim@example.com", m: "No rush, email me." })).errors).toBeUndefined();
    expect(await operatorInbox.next("HandoffLeft")).toMatchObject({ conversationId, reason: "WITHDRAWN" });
    const row = await t.app.services.db.prisma.chatSession.findUniqueOrThrow({ where: { id: conversationId } });
    expect(row.handoffState).toBe("BOT");
    operatorInbox.dispose();
  });
});
