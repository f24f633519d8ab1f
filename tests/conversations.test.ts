import { describe, expect, it } from "@jest/globals";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gqlRaw, type AnyEdge } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

const SEND = `mutation($b: ID!, $m: String!, $s: String) { sendMessage(botId: $b, message: $m, sessionId: $s) { sessionId message { id sources { id } } } }`;
const SESSIONS = `query($b: ID!, $f: ConversationFilter) { bot(id: $b) { sessions(first: 10, filter: $f) { totalCount edges { node {
  id firstQuestion messageCount downRatedCount unansweredCount apiKey { name } messages(first: 10) { edges { node { role content feedback latencyMs sources { name } } } }
} } } } }`;

describe("conversations for the owner", () => {
  it("lists a bot's conversations newest first, with their first question and counts, filtered to rated-down or unanswered ones", async () => {
    const t = await startApp();
    const admin = await signUp(t.url);
    const botId = await createBot(t.url, admin);
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addTextSource(botId: $b, title: "Warranty", text: "The warranty lasts two years from delivery.") { id } }`,
      { b: botId },
      admin.headers,
    );
    await waitForSource(t, added.data!.addTextSource.id);
    await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, admin.headers);
    const key = await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "Website") { secret } }`, { b: botId }, admin.headers);
    const visitor = { "x-api-key": key.data!.createApiKey.secret as string };
    const ask = async (message: string, sessionId?: string) => (await gqlRaw(t.url, SEND, { b: botId, m: message, s: sessionId }, visitor)).data!.sendMessage;

    const answered = await ask("How long is the warranty?");
    expect(answered.message.sources).toHaveLength(1);
    const unanswered = await ask("Do you sell bicycles in Peru?");
    expect(unanswered.message.sources).toHaveLength(0);
    await ask("And the warranty?", unanswered.sessionId);
    const disliked = await ask("How long does the warranty last?");
    await gqlRaw(t.url, `mutation($m: ID!) { rateMessage(messageId: $m, rating: DOWN) { id } }`, { m: disliked.message.id }, visitor);

    const listed = await gqlRaw(t.url, SESSIONS, { b: botId }, admin.headers);
    expect(listed.errors).toBeUndefined();
    const all = listed.data!.bot.sessions;
    // The bot list says when the bot was last talked to; a bot nobody talked to says null.
    await createBot(t.url, admin, "Quiet bot");
    const bots = await gqlRaw(
      t.url,
      `query($w: ID!) { bots(workspaceId: $w) { edges { node { name lastActivityAt } } } }`,
      { w: admin.workspaceId },
      admin.headers,
    );
    const latest = await t.app.services.db.prisma.chatSession.findFirstOrThrow({ where: { botId }, orderBy: { lastActivityAt: "desc" } });
    const byName = Object.fromEntries(bots.data!.bots.edges.map((e: AnyEdge) => [e.node.name, e.node.lastActivityAt]));
    expect(byName).toEqual({ Helpdesk: latest.lastActivityAt.toISOString(), "Quiet bot": null });
    expect(all.totalCount).toBe(3);
    expect(all.edges.map((e: AnyEdge) => e.node.firstQuestion)).toEqual([
      "How long does the warranty last?",
      "Do you sell bicycles in Peru?",
      "How long is the warranty?",
    ]);
    const peru = all.edges[1].node;
    expect(peru).toMatchObject({ messageCount: 4, downRatedCount: 0, unansweredCount: 1, apiKey: { name: "Website" } });
    expect(peru.messages.edges.map((e: AnyEdge) => e.node.role)).toEqual(["USER", "ASSISTANT", "USER", "ASSISTANT"]);
    expect(peru.messages.edges[3].node.sources).toEqual([{ name: "Warranty" }]);
    // A conversation was last active when its last message came (the database keeps it as messages are written).
    const { prisma } = t.app.services.db;
    const session = await prisma.chatSession.findUniqueOrThrow({
      where: { publicId: unanswered.sessionId },
      include: { messages: { orderBy: { createdAt: "desc" }, take: 1 } },
    });
    expect(session.messages[0]!.role).toBe("ASSISTANT");
    expect(session.lastActivityAt).toEqual(session.messages[0]!.createdAt);
    expect(session.lastActivityAt.getTime()).toBeGreaterThan(session.createdAt.getTime());
    expect(peru.messages.edges[1].node.latencyMs).toEqual(expect.any(Number));

    const down = (await gqlRaw(t.url, SESSIONS, { b: botId, f: "RATED_DOWN" }, admin.headers)).data!.bot.sessions;
    expect(down.edges.map((e: AnyEdge) => [e.node.firstQuestion, e.node.downRatedCount])).toEqual([["How long does the warranty last?", 1]]);
    const missing = (await gqlRaw(t.url, SESSIONS, { b: botId, f: "UNANSWERED" }, admin.headers)).data!.bot.sessions;
    expect(missing.edges.map((e: AnyEdge) => e.node.firstQuestion)).toEqual(["Do you sell bicycles in Peru?"]);
    expect(missing.totalCount).toBe(1);
  });
});
