import { beforeAll, describe, expect, it } from "@jest/globals";
import { createBot, invite, signUp, type Account } from "./helpers/admin.js";
import { createWordsEmbedder } from "../src/providers/embeddings.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { chatOverWs } from "./helpers/chat.js";
import { startFakeOllama, type FakeOllama } from "./helpers/fake-ollama.js";
import { gqlRaw, wsClient, type AnyData } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

/**
 * Corrections: an owner gives a bot the answer a question must get. A
 * visitor's question that asks the same gets it, streamed and marked; a
 * near but different one keeps the bot's own answer.
 */

let t: TestApp;
let ollama: FakeOllama;
let owner: Account;
let botId: string;
let secret: string;

const SUNDAY = "On Sundays we are open from 10:00 to 16:00.";

async function admin(query: string, variables: Record<string, unknown> = {}, account: Account = owner): Promise<AnyData> {
  const result = await gqlRaw(t.url, query, variables, account.headers);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

const CREATE = `mutation($b: ID!, $i: CorrectionInput!) { createCorrection(botId: $b, input: $i) { id question phrasings answer isActive hitCount lastHitAt } }`;

/** A visitor's question over the widget's websocket; the last event. */
async function ask(message: string) {
  const events = await chatOverWs(wsClient(t.url, { apiKey: secret }), { botId, message });
  return events.at(-1)!;
}

beforeAll(async () => {
  ollama = await startFakeOllama();
  // Answers from the (fake) Ollama, questions embedded by the embedded "words" embedder: the fake's vectors mean nothing.
  t = await startApp({ OLLAMA_BASE_URL: ollama.url }, { embedder: createWordsEmbedder(384) });
  owner = await signUp(t.url);
  botId = await createBot(t.url, owner, "Bike shop");
  const source = await admin(`mutation($b: ID!, $x: String!) { addTextSource(botId: $b, title: "Hours", text: $x) { id } }`, {
    b: botId,
    x: "The bike shop is open Monday to Saturday from 9:00 to 18:00. Repairs take two to three working days.",
  });
  await waitForSource(t, source.addTextSource.id);
  await admin(`mutation($b: ID!) { activateBot(id: $b) { id } }`, { b: botId });
  secret = (await admin(`mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret } }`, { b: botId })).createApiKey.secret;
});

describe("corrections", () => {
  it("answer a visitor's question that asks the same, streamed and marked, without asking the model, and count the hit", async () => {
    const { createCorrection: correction } = await admin(CREATE, {
      b: botId,
      i: { question: "What are your opening hours on Sunday?", answer: SUNDAY, phrasings: ["Are you open on Sundays?"] },
    });
    expect(correction).toMatchObject({ isActive: true, hitCount: 0, lastHitAt: null, phrasings: ["Are you open on Sundays?"] });
    const chats = ollama.requests.filter((r) => r.path === "/api/chat").length;

    const answer = await ask("When do you open on Sundays?");
    expect(answer.__typename).toBe("ChatCompleted");
    expect(answer.message.content).toBe(SUNDAY);
    expect(answer.sources).toEqual([]);
    expect(ollama.requests.filter((r) => r.path === "/api/chat").length).toBe(chats);

    // Marked for everyone; the correction itself is for members.
    const transcript = await admin(
      `query($b: ID!, $id: ID!) { bot(id: $b) { session(id: $id) { messages { edges { node { role corrected grounded correction { id } } } } } } }`,
      {
        b: botId,
        id: (await t.app.services.db.prisma.message.findFirstOrThrow({ where: { content: SUNDAY } })).sessionId,
      },
    );
    expect(transcript.bot.session.messages.edges.map((e: AnyData) => e.node)).toEqual([
      { role: "USER", corrected: false, grounded: false, correction: null },
      { role: "ASSISTANT", corrected: true, grounded: true, correction: { id: correction.id } },
    ]);
    const counted = await admin(`query($b: ID!) { bot(id: $b) { corrections { totalCount edges { node { hitCount lastHitAt } } } } }`, { b: botId });
    expect(counted.bot.corrections.edges[0].node).toMatchObject({ hitCount: 1, lastHitAt: expect.any(String) });
  });

  it("answer the same on the embedded default, where no model server is configured", async () => {
    const embedded = await startApp();
    const account = await signUp(embedded.url);
    const bot = await createBot(embedded.url, account);
    await gqlRaw(embedded.url, `mutation($b: ID!) { activateBot(id: $b) { id } }`, { b: bot }, account.headers);
    await gqlRaw(embedded.url, CREATE, { b: bot, i: { question: "What are your opening hours on Sunday?", answer: SUNDAY } }, account.headers);
    const reply = await gqlRaw(
      embedded.url,
      `mutation($b: ID!) { sendMessage(botId: $b, message: "Are you open on Sunday, and until when?") { message { content corrected } } }`,
      { b: bot },
      account.headers,
    );
    expect(reply.data!.sendMessage.message).toEqual({ content: SUNDAY, corrected: true });
  });

  it("leave a near but different question to the bot: another day, another number, another subject", async () => {
    await admin(CREATE, { b: botId, i: { question: "How much does a basic tune-up cost?", answer: "€49." } });
    await admin(CREATE, { b: botId, i: { question: "Do you offer student discounts?", answer: "Yes, 10% with a student card." } });
    for (const near of ["What are your opening hours on Saturday?", "How long does a basic tune-up take?", "Do you offer discounts for seniors?"]) {
      const answer = await ask(near);
      expect([near, answer.message.content]).not.toEqual([near, expect.stringMatching(/10:00 to 16:00|€49|student card/)]);
      expect(answer.message).not.toMatchObject({ corrected: true });
    }
    // The asked-for ones still answer.
    expect((await ask("What do you charge for a basic tune-up?")).message.content).toBe("€49.");
    expect((await ask("Is there a discount for students?")).message.content).toBe("Yes, 10% with a student card.");
  });

  it("stop answering when switched off, and answer a new question once it is changed", async () => {
    const { createCorrection: c } = await admin(CREATE, { b: botId, i: { question: "Can I bring my dog into the shop?", answer: "Yes, on a leash." } });
    await admin(`mutation($id: ID!) { updateCorrection(id: $id, input: { isActive: false }) { isActive } }`, { id: c.id });
    expect((await ask("Can I bring my dog into the shop?")).message.content).not.toBe("Yes, on a leash.");
    await admin(
      `mutation($id: ID!) { updateCorrection(id: $id, input: { isActive: true, question: "Is there parking at the shop?", answer: "Yes, 8 places." }) { question } }`,
      {
        id: c.id,
      },
    );
    expect((await ask("Can I park at your shop?")).message.content).toBe("Yes, 8 places.");
    expect((await ask("Can I bring my dog into the shop?")).message.content).not.toBe("Yes, on a leash.");
    expect((await admin(`mutation($id: ID!) { deleteCorrection(id: $id) }`, { id: c.id })).deleteCorrection).toBe(c.id);
    expect((await ask("Can I park at your shop?")).message.content).not.toBe("Yes, 8 places.");
  });

  it("are not counted as unanswered questions in the conversations list", async () => {
    const list = await admin(`query($b: ID!) { bot(id: $b) { sessions(filter: UNANSWERED, first: 100) { edges { node { firstQuestion } } } } }`, { b: botId });
    expect(list.bot.sessions.edges.map((e: AnyData) => e.node.firstQuestion)).not.toContain("When do you open on Sundays?");
  });

  it("refuse bad input with the field it concerns, and stay the owner's: members read, other workspaces see nothing", async () => {
    const refuse = async (input: Record<string, unknown>, field: string) => {
      const result = await gqlRaw(t.url, CREATE, { b: botId, i: input }, owner.headers);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
      expect(JSON.stringify(result.errors?.[0]?.extensions)).toContain(field);
    };
    await refuse({ question: "  ", answer: "x" }, "question");
    await refuse({ question: "Why?", answer: "" }, "answer");
    await refuse({ question: "Why?", answer: "x", phrasings: Array.from({ length: 21 }, (_, i) => `p${i}`) }, "phrasings");

    const member = await signUp(t.url, "Member's own");
    await invite(t.url, owner, member, "MEMBER");
    const listed = await gqlRaw(t.url, `query($b: ID!) { bot(id: $b) { corrections { totalCount } } }`, { b: botId }, member.headers);
    expect(listed.data!.bot.corrections.totalCount).toBeGreaterThan(0);
    const written = await gqlRaw(t.url, CREATE, { b: botId, i: { question: "Q?", answer: "A" } }, member.headers);
    expect(written.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const stranger = await signUp(t.url, "Stranger's own");
    const theirs = await gqlRaw(t.url, CREATE, { b: botId, i: { question: "Q?", answer: "A" } }, stranger.headers);
    expect(theirs.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("go out and come back as CSV; a bad row brings nothing in", async () => {
    const { correctionsCsv } = (await admin(`query($b: ID!) { bot(id: $b) { correctionsCsv } }`, { b: botId })).bot;
    expect(correctionsCsv.split("\n")[0]).toBe("question,answer,phrasings,active");
    expect(correctionsCsv).toContain("What are your opening hours on Sunday?");
    const other = await createBot(t.url, owner, "Second shop");
    const imported = await admin(`mutation($b: ID!, $c: String!) { importCorrections(botId: $b, csv: $c) { question answer phrasings isActive } }`, {
      b: other,
      c: correctionsCsv,
    });
    expect(imported.importCorrections).toContainEqual({
      question: "What are your opening hours on Sunday?",
      answer: SUNDAY,
      phrasings: ["Are you open on Sundays?"],
      isActive: true,
    });

    const bad = await gqlRaw(
      t.url,
      `mutation($b: ID!, $c: String!) { importCorrections(botId: $b, csv: $c) { id } }`,
      { b: other, c: "question,answer\nWhere are you?,In Ghent\n,No question here\n" },
      owner.headers,
    );
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "csv" }, message: expect.stringMatching(/^Line 3:/) });
    const count = await admin(`query($b: ID!) { bot(id: $b) { corrections { totalCount } } }`, { b: other });
    expect(count.bot.corrections.totalCount).toBe(imported.importCorrections.length);
  });
});
