import { randomUUID } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { createChunkMaintenance, dropOrphanGraphs } from "../src/db/statistics.js";
import { createExtractiveChat, NOTHING_FOUND, type ChatChunk } from "../src/providers/chat.js";
import type { Embedder } from "../src/providers/embeddings.js";
import { botGraph, EXACT_SEARCH_MAX_CHUNKS } from "../src/db/vector.js";
import { createRetrieval, nearestSql, readWordStatistics, textQuery, type RetrievedChunk } from "../src/services/answering/retrieval.js";
import { foldIntoIndexes, storeChunks } from "../src/services/ingestion/ingestion.js";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

const DOCUMENTS = {
  warranty: "Warranty terms. Every lamp is covered by a warranty of two years from delivery. The warranty covers defects in materials and workmanship.",
  shipping: "Shipping information. Parcels are shipped within two business days. Delivery to Europe takes three to five days by courier.",
  router: "Router troubleshooting. If the router keeps disconnecting, hold the reset button for ten seconds. Service code QX-7781 restores factory settings.",
  billing: "Billing questions. Invoices are sent by email at the end of each month. Payment is due within thirty days of the invoice date.",
};

async function seed(t: TestApp) {
  const account = await signUp(t.url);
  const botId = await createBot(t.url, account);
  const ids: Record<string, string> = {};
  for (const [name, text] of Object.entries(DOCUMENTS)) {
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!, $t: String!, $x: String!) { addTextSource(botId: $b, title: $t, text: $x) { id } }`,
      { b: botId, t: name, x: text },
      account.headers,
    );
    ids[name] = added.data!.addTextSource.id;
    await waitForSource(t, ids[name]!);
  }
  // Another bot holding the same code: must never leak into the first bot's answers.
  const otherBot = await createBot(t.url, account, "Other");
  const other = await gqlRaw(
    t.url,
    `mutation($b: ID!) { addTextSource(botId: $b, title: "other", text: "Service code QX-7781 belongs to another bot.") { id } }`,
    { b: otherBot },
    account.headers,
  );
  await waitForSource(t, other.data!.addTextSource.id);
  return { account, botId, ids, otherSourceId: other.data!.addTextSource.id as string };
}

/** Deterministic, but blind to meaning: the vector depends on the text's length only. */
const meaninglessEmbedder: Embedder = {
  provider: "ollama",
  model: "blind",
  dimension: 384,
  minSimilarity: 0.2,
  correctionSimilarity: 0.5,
  embed: async (texts) =>
    texts.map((text) => {
      const v = Array.from({ length: 384 }, (_, i) => Math.sin(i * 0.37 + text.length));
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    }),
};

/*
 * Apps shared by the tests that only add their own account and bot (each
 * start is about two seconds of CPU); the statistics and HNSW tests keep
 * their own, as they read the whole chunks table.
 */
let withWords: Promise<TestApp> | undefined;
let withoutMeaning: Promise<TestApp> | undefined;
const sharedApp = () => (withWords ??= startApp());
const sharedBlindApp = () => (withoutMeaning ??= startApp({}, { embedder: meaninglessEmbedder }));

describe("retrieval", () => {
  it("finds the source that holds the answer, by meaning (lexical embedder), only among the bot's own chunks", async () => {
    const t = await sharedApp();
    const { botId, ids, otherSourceId } = await seed(t);
    const cases: [string, keyof typeof DOCUMENTS][] = [
      ["How long is the warranty on a lamp?", "warranty"],
      ["When will my parcel be delivered to Europe?", "shipping"],
      ["My router keeps disconnecting, what should I do?", "router"],
      ["When do I have to pay my invoice?", "billing"],
    ];
    for (const [question, expected] of cases) {
      const chunks = await t.app.services.retrieval.retrieve(botId, question, { topK: 3, minSimilarity: 0.05 });
      expect([question, chunks[0]?.sourceId]).toEqual([question, ids[expected]]);
      expect(chunks.every((c) => c.sourceId !== otherSourceId)).toBe(true);
    }
  });

  it("finds exact codes through full-text search even when the embedding is blind to them", async () => {
    const t = await sharedBlindApp();
    const { botId, ids, otherSourceId } = await seed(t);
    const retrieval = createRetrieval({ prisma: t.app.services.db.prisma, embedder: meaninglessEmbedder });
    // A minimum similarity no vector reaches: only full-text matches remain.
    const chunks = await retrieval.retrieve(botId, "What does service code QX-7781 do?", { topK: 3, minSimilarity: 0.999 });
    expect(chunks.map((c) => c.sourceId)).toEqual([ids.router]);
    expect(chunks[0]!.matchedText).toBe(true);
    expect(chunks.some((c) => c.sourceId === otherSourceId)).toBe(false);

    // A code written as one token is one term, its words side by side (as the chunk's index entry has them), in its order.
    const phrase = (query: string) =>
      t.app.services.db.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM chunks WHERE source_id = ${ids.router}::uuid AND search_vector @@ to_tsquery('simple', ${query})`;
    expect(await phrase(textQuery("Is QX-7781 valid?")!)).toEqual([{ n: 1 }]);
    expect(await phrase("(7781 <-> qx)")).toEqual([{ n: 0 }]);
    const alone = await retrieval.retrieve(botId, "Is QX-7781 valid?", { topK: 3, minSimilarity: 0.999 });
    expect(alone.map((c) => c.sourceId)).toEqual([ids.router]);

    const nothing = await retrieval.retrieve(botId, "zebra crossing", { topK: 3, minSimilarity: 0.999 });
    expect(nothing).toEqual([]);
  });

  it("matches word forms by prefix, and falls back to most of the question's words when not all are anywhere", async () => {
    const t = await sharedBlindApp();
    const { botId, ids } = await seed(t);
    const retrieval = createRetrieval({ prisma: t.app.services.db.prisma, embedder: meaninglessEmbedder });
    const find = async (question: string) => (await retrieval.retrieve(botId, question, { topK: 3, minSimilarity: 0.999 })).map((c) => c.sourceId);
    // "invoice" finds "Invoices" (every word, as prefixes).
    expect(await find("invoice email")).toEqual([ids.billing]);
    expect(await find("invoices")).toEqual([ids.billing]);
    // No chunk says "quickly"; two of the three words will do.
    expect(await find("How quickly are invoices sent?")).toEqual([ids.billing]);
    // One word of four is not enough.
    expect(await find("quickly bought zebra invoices")).toEqual([]);
  });

  it("drops vector matches under the bot's minimum similarity", async () => {
    const t = await sharedApp();
    const { botId } = await seed(t);
    const loose = await t.app.services.retrieval.retrieve(botId, "lamp warranty", { topK: 4, minSimilarity: -1 });
    expect(loose.length).toBe(4);
    const strict = await t.app.services.retrieval.retrieve(botId, "lamp warranty", { topK: 4, minSimilarity: 0.5 });
    expect(strict.length).toBeLessThan(4);
    expect(strict.every((c) => c.similarity >= 0.5 || c.matchedText)).toBe(true);
  });

  it("keeps the chunks' statistics current on PGlite, and leaves words found in most chunks out of every-word matching", async () => {
    const t = await startApp({}, { embedder: meaninglessEmbedder });
    const account = await signUp(t.url);
    const bot = await createBot(t.url, account);
    const add = async (title: string, text: string) => {
      const added = await gqlRaw(
        t.url,
        `mutation($b: ID!, $t: String!, $x: String!) { addTextSource(botId: $b, title: $t, text: $x) { id } }`,
        { b: bot, t: title, x: text },
        account.headers,
      );
      await waitForSource(t, added.data!.addTextSource.id);
      return added.data!.addTextSource.id as string;
    };
    const colours = ["amber", "brass", "cobalt", "denim", "ebony", "fern", "garnet", "hazel", "indigo", "jade"];
    for (const colour of colours) await add(`lamp ${colour}`, `The ${colour} lamp comes with a ${colour} shade. Keep the receipt.`);
    const warranty = await add("warranty", "Warranty claims need the receipt and the serial number.");
    const prisma = t.app.services.db.prisma;
    // Each ingestion job analyzed the table when the chunk count had moved by more than a tenth.
    for (let i = 0; i < 50; i++) {
      const [stats] = await prisma.$queryRaw<{ elems: string[] | null }[]>`
        SELECT most_common_elems::text::text[] AS elems FROM pg_stats WHERE tablename = 'chunks' AND attname = 'search_vector'`;
      if (stats?.elems?.includes("lamp")) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const retrieval = createRetrieval({ prisma, embedder: meaninglessEmbedder });
    // "lamp" and "receipt" are in most chunks, and the warranty chunk has no
    // "lamp". Its telling words alone find it, and only it; requiring every
    // word would find nothing, and the most-words fallback would bring every
    // lamp too (each has two of the four words).
    const found = await retrieval.retrieve(bot, "lamp warranty claims receipt", { topK: 5, minSimilarity: 0.999 });
    expect(found.map((c) => c.sourceId)).toEqual([warranty]);
    // The most-words fallback looks for its chunks through the rarest terms only ("zebra", which no chunk has, and
    // "lamp"), yet finds what all of them would: every chunk with two of the three words, and none with fewer.
    const lamps = await retrieval.retrieve(bot, "lamp receipt zebra", { topK: 20, minSimilarity: 0.999 });
    expect(lamps.length).toBe(colours.length);
    expect(lamps.every((c) => /lamp/.test(c.content) && /receipt/.test(c.content))).toBe(true);
  });

  it("searches a large bot on a graph of its own and a small one exactly, each among its live generation only, a large bot's chunks outside the graph exactly until folded in", async () => {
    const t = await startApp();
    const account = await signUp(t.url);
    const prisma = t.app.services.db.prisma;
    const dimension = t.app.services.embedder.dimension;
    const workspaceId = account.workspaceId;
    // A bot as large as its sources say (chunk_count), holding a few hundred
    // rows: its size decides, and folding stays cheap.
    const botOf = async (name: string, chunks: number) => {
      const bot = await prisma.bot.create({ data: { workspaceId, name } });
      const source = await prisma.source.create({ data: { botId: bot.id, kind: "TEXT", connector: "text", name, chunkCount: chunks, generation: 0 } });
      // Live chunks (generation 0) pointing every way, far from the question's direction.
      await prisma.$executeRawUnsafe(
        `INSERT INTO chunks (bot_id, source_id, source_type, generation, content, chunk_index, embedding)
         SELECT $1::uuid, $2::uuid, 'TEXT', 0, 'filler ' || n, n,
                (SELECT array_agg(CASE WHEN d = 1 THEN -1 ELSE random() - 0.5 END) FROM generate_series(1, ${dimension}) d WHERE n > 0)::vector
         FROM generate_series(1, 299) n`,
        bot.id,
        source.id,
      );
      return { botId: bot.id, sourceId: source.id };
    };
    const large = await botOf("large", EXACT_SEARCH_MAX_CHUNKS + 500);
    const small = await botOf("small", 300);
    const question = Array.from({ length: dimension }, (_, d) => (d === 0 ? 1 : 0));
    const near = Array.from({ length: dimension }, (_, d) => (d === 0 ? 1 : d === 1 ? 0.1 : 0));
    const store = (botId: string, sourceId: string, generation: number, content: string, vector: number[]) =>
      prisma.$executeRawUnsafe(
        `INSERT INTO chunks (bot_id, source_id, source_type, generation, content, chunk_index, embedding) VALUES ($1::uuid, $2::uuid, 'TEXT', $3, $4, 0, $5::vector)`,
        botId,
        sourceId,
        generation,
        content,
        `[${vector.join(",")}]`,
      );
    for (const { botId, sourceId } of [large, small]) {
      // The nearest live chunk, and a nearer one of a generation being written, which no reader may see.
      await store(botId, sourceId, 0, "the live answer", near);
      await store(botId, sourceId, 1, "half-written next version", question);
    }
    const answersBoth = async (expected = "the live answer") => {
      for (const { botId } of [large, small]) {
        const found = await t.app.services.retrieval.search(botId, question, "", { topK: 3, minSimilarity: -1 });
        expect(found[0]?.content).toBe(botId === large.botId ? expected : "the live answer");
        expect(found.some((c) => c.content.startsWith("half-written"))).toBe(false);
      }
    };
    const hasGraph = async (botId: string) => (await prisma.$queryRawUnsafe<{ made: boolean }[]>(`SELECT ${botGraph(botId).exists} AS made`))[0]!.made;
    // The walk's step in the plan. On a table this small the planner would
    // rather sort: with sequential scans off it shows whether the graph is
    // the one the statement walks, and whether that runs.
    const graphStep = async (botId: string) => {
      const [, plan] = await prisma.$transaction([
        prisma.$executeRaw`SET LOCAL enable_seqscan = off`,
        prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN ANALYZE ${nearestSql(botId)}`, botId, `[${question.join(",")}]`, 5),
      ]);
      return plan.map((line) => line["QUERY PLAN"]).find((line) => line.includes("Index Scan using chunks_graph_"));
    };
    // Stored, nothing is folded yet and no bot has a graph: both are answered, sorted exactly.
    await answersBoth();
    expect(await hasGraph(large.botId)).toBe(false);
    expect(await graphStep(large.botId)).toBeUndefined();
    // Folded in: the large bot gets its graph; the small one's chunks stay out and it has none.
    expect(await foldIntoIndexes(prisma, small.botId)).toBe(0);
    expect(await foldIntoIndexes(prisma, large.botId, { batchSize: 100 })).toBe(301);
    expect([await hasGraph(large.botId), await hasGraph(small.botId)]).toEqual([true, false]);
    await prisma.$executeRawUnsafe("ANALYZE chunks");
    await answersBoth();
    // The walk runs on the large bot's own graph; the small one has none to walk (the exact branch answers).
    expect(await graphStep(large.botId)).toMatch(new RegExp(`Index Scan using ${botGraph(large.botId).name} .*actual time=.*rows=5\\b`));
    expect(await graphStep(small.botId)).toBeUndefined();
    // A chunk stored since, not yet folded in, is found beside the walk.
    await store(large.botId, large.sourceId, 0, "the newest answer", question);
    await answersBoth("the newest answer");
    // The bot deleted, its graph goes with it.
    await gqlRaw(t.url, `mutation($id: ID!) { deleteBot(id: $id) }`, { id: large.botId }, account.headers);
    expect(await hasGraph(large.botId)).toBe(false);
    // A graph left behind by a bot that is gone (a process stopped between the two) goes at the next maintenance.
    const gone = randomUUID();
    await prisma.$executeRawUnsafe(botGraph(gone).create);
    await prisma.$executeRawUnsafe(botGraph(small.botId).create);
    expect(await dropOrphanGraphs(prisma)).toEqual([botGraph(gone).name]);
    expect([await hasGraph(gone), await hasGraph(small.botId)]).toEqual([false, true]);
  });

  it("takes no code as distinctive whose words the column's statistics list among the most frequent, once ANALYZE has run", async () => {
    const t = await startApp();
    const account = await signUp(t.url);
    const { db, embedder } = t.app.services;
    const prisma = db.prisma;
    const bot = await prisma.bot.create({ data: { workspaceId: account.workspaceId, name: "manual" } });
    const source = await prisma.source.create({ data: { botId: bot.id, kind: "TEXT", connector: "text", name: "manual" } });
    // A CLI's manual: 30 pages of 200 carry the option every command has (frequent, not common: 15%), the rest words of their own.
    const drafts = Array.from({ length: 200 }, (_, index) => ({
      content: index < 30 ? `Command c${index}x. --flags-file=FILE reads the flags from a file.` : `Page p${index}x q${index}y r${index}z.`,
      index,
      metadata: { source: "manual" },
    }));
    const vectors = Float32Array.from((await embedder.embed(drafts.map((draft) => draft.content))).flat());
    await storeChunks(db, source, drafts, vectors, { contentHash: "x", title: null, embeddingModel: embedder.model });
    await createChunkMaintenance(prisma).afterIngestion();
    const { common, frequent } = await readWordStatistics(prisma);
    expect({ frequent: ["flags", "file"].filter((word) => frequent.has(word)), common: ["flags", "file"].filter((word) => common.has(word)) }).toEqual({
      frequent: ["flags", "file"],
      common: [],
    });
    // The question's other word is in no chunk: with the phrase OR'd in alone, its 30 pages would be text matches.
    const retrieval = createRetrieval({ prisma, embedder });
    const question = "What does --flags-file do for zorblax?";
    expect(textQuery(question, common)).toBe("(flags & file & zorblax) | (flags <-> file)");
    const found = await retrieval.search(bot.id, await retrieval.embed(question), question, { topK: 5, minSimilarity: -1 });
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((chunk) => chunk.matchedText)).toEqual([]);
  });

  it("stores a large bot's chunks outside the text index, finds them by their words all the same, and folds them in with the graph", async () => {
    const t = await sharedApp();
    const account = await signUp(t.url);
    const { db, embedder, retrieval } = t.app.services;
    const prisma = db.prisma;
    const botOf = async (name: string, others: number) => {
      const bot = await prisma.bot.create({ data: { workspaceId: account.workspaceId, name } });
      // What the bot holds already, as its sources count it.
      await prisma.source.create({ data: { botId: bot.id, kind: "TEXT", connector: "text", name: "held", chunkCount: others } });
      const source = await prisma.source.create({ data: { botId: bot.id, kind: "TEXT", connector: "text", name } });
      const drafts = ["Valve QX-7781 must be replaced every spring.", "Nothing about parts here."].map((content, index) => ({
        content,
        index,
        metadata: { source: name },
      }));
      const vectors = Float32Array.from((await embedder.embed(drafts.map((draft) => draft.content))).flat());
      await storeChunks(db, source, drafts, vectors, { contentHash: "x", title: null, embeddingModel: embedder.model });
      return bot.id;
    };
    const indexed = async (botId: string) =>
      (await prisma.$queryRaw<{ in: boolean }[]>`SELECT in_text_index AS in FROM chunks WHERE bot_id = ${botId}::uuid ORDER BY id`).map((row) => row.in);
    const byWords = async (botId: string) => {
      const found = await retrieval.search(botId, await retrieval.embed("zebra crossing"), "When is valve QX-7781 replaced?", {
        topK: 3,
        minSimilarity: 0.999,
      });
      return found.map((chunk) => [chunk.content, chunk.matchedText]);
    };
    const held = [["Valve QX-7781 must be replaced every spring.", true]];
    const large = await botOf("large", EXACT_SEARCH_MAX_CHUNKS);
    const small = await botOf("small", 10);
    // A small bot's go in as they are stored; a large bot's wait for the fold, and are read meanwhile.
    expect([await indexed(large), await indexed(small)]).toEqual([
      [false, false],
      [true, true],
    ]);
    expect([await byWords(large), await byWords(small)]).toEqual([held, held]);
    expect((await retrieval.termStatistics(large, ["valve"])).holding.get("valve")).toBe(1);
    expect(await foldIntoIndexes(prisma, small)).toBe(0);
    expect(await foldIntoIndexes(prisma, large)).toBe(2);
    expect(await indexed(large)).toEqual([true, true]);
    expect(await byWords(large)).toEqual(held);
    // Folded in, they are in the (partial) text index, which serves the text half's first branch.
    const [, plan] = await prisma.$transaction([
      prisma.$executeRaw`SET LOCAL enable_seqscan = off`,
      prisma.$queryRaw<{ "QUERY PLAN": string }[]>`EXPLAIN SELECT id FROM chunks WHERE in_text_index AND search_vector @@ to_tsquery('simple', 'valve')`,
    ]);
    expect(plan.map((line) => line["QUERY PLAN"]).join("\n")).toContain("chunks_search_vector_idx");
    // A large bot that shrank before its fold: its chunks still go into the text index, with no graph.
    const shrunk = await botOf("shrunk", EXACT_SEARCH_MAX_CHUNKS);
    await prisma.source.updateMany({ where: { botId: shrunk, name: "held" }, data: { chunkCount: 0 } });
    expect(await foldIntoIndexes(prisma, shrunk)).toBe(2);
    expect(await indexed(shrunk)).toEqual([true, true]);
    expect((await prisma.$queryRawUnsafe<{ made: boolean }[]>(`SELECT ${botGraph(shrunk).exists} AS made`))[0]!.made).toBe(false);
    // New entries wait in the index's pending list (which the planner counts against every search through it)
    // until the maintenance after an ingestion merges them in.
    const pending = async () =>
      (await prisma.$queryRaw<{ pages: number }[]>`SELECT gin_clean_pending_list('chunks_search_vector_idx'::regclass)::int AS pages`)[0]!.pages;
    await botOf("pending", 10);
    expect(await pending()).toBeGreaterThan(0);
    await botOf("merged", 10);
    await createChunkMaintenance(prisma).afterIngestion();
    expect(await pending()).toBe(0);
  });

  it("cites the right source through the chat API, with the embedded answerer quoting it", async () => {
    const t = await sharedApp();
    const { account, botId, ids } = await seed(t);
    const result = await gqlRaw(
      t.url,
      `mutation($b: ID!) { sendMessage(botId: $b, message: "What does service code QX-7781 do?") { message { content model } sources { id name } } }`,
      { b: botId },
      account.headers,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.sendMessage.sources[0]).toEqual({ id: ids.router, name: "router" });
    expect(result.data!.sendMessage.message).toEqual({
      content: "According to router: Service code QX-7781 restores factory settings.",
      model: "parley-extractive",
    });
  });
});

describe("the extractive answerer", () => {
  const chunk = (content: string, source: string, page?: number): RetrievedChunk => ({
    id: 1n,
    sourceId: source,
    sourceType: "DOCUMENT",
    content,
    metadata: { source, ...(page && { page }) },
    similarity: 0.5,
    score: 0.1,
    matchedText: false,
  });
  const answer = async (question: string, context: RetrievedChunk[]) => {
    const parts: ChatChunk[] = [];
    for await (const part of createExtractiveChat().stream({ temperature: 0, messages: [], question, context }, new AbortController().signal)) parts.push(part);
    return { text: parts.flatMap((p) => (p.type === "token" ? [p.text] : [])).join(""), parts };
  };

  it("answers with the passage that matches the question, naming its source, word by word", async () => {
    const { text, parts } = await answer("How long is the warranty?", [
      chunk("Parcels ship in two days. Returns are free.", "shipping.pdf"),
      chunk("The warranty lasts two years. It covers defects.", "manual.pdf", 4),
    ]);
    expect(text).toBe("According to manual.pdf (page 4): The warranty lasts two years.");
    expect(parts.filter((p) => p.type === "token").length).toBeGreaterThan(5);
    expect(parts.at(-1)).toMatchObject({ type: "done", model: "parley-extractive" });
  });

  it("prefers the sentence with the question's rare words, and leaves headings out", async () => {
    const returns =
      "# Returns\n\nYou may return any item within 30 days.\n\n## How to return\n\nPrint the return label and drop the parcel.\n\nCustom-built wheels cannot be returned.";
    const { text } = await answer("Can I return a custom wheel?", [chunk(returns, "returns.md")]);
    expect(text).toMatch(/^According to returns\.md: .*Custom-built wheels cannot be returned\.$/);
    expect(text).not.toMatch(/Returns You|How to return/);
  });

  it("says so when nothing relevant was found, instead of inventing", async () => {
    expect((await answer("Do you sell bicycles?", [])).text).toBe(NOTHING_FOUND);
    expect((await answer("Do you sell bicycles?", [chunk("The warranty lasts two years.", "manual.pdf")])).text).toBe(NOTHING_FOUND);
  });

  it("builds full-text queries from plain words only: all of them, or any distinctive one (a code of several words as a phrase) not made of frequent words", () => {
    expect(textQuery("What's the code QX-7781?")).toBe("(code & qx & 7781) | (qx <-> 7781)");
    expect(textQuery("How long is the warranty?")).toBe("(long & warranty)");
    expect(textQuery("warranty")).toBe("warranty");
    expect(textQuery("'; DROP TABLE chunks; --")).toBe("(drop & table & chunks) | drop | table");
    expect(textQuery("Does Acme ship to Oslo?")).toBe("(acme & ship & oslo) | acme | oslo");
    expect(textQuery("the a of")).toBeNull();
    // Words in most chunks are left out of "every word", unless nothing else is left.
    expect(textQuery("Is the lamp warranty transferable?", new Set(["lamp"]))).toBe("(warranty & transferable)");
    expect(textQuery("lamp warranty", new Set(["lamp", "warranty"]))).toBe("(lamp & warranty)");
    // …and out of "any distinctive one": a manual's NAME, in capitals, is no code.
    expect(textQuery("What do the NAME and FLAGS of QX-7781 say?", new Set(["name", "flags"]))).toBe("(qx & 7781 & say) | (qx <-> 7781)");
    // A code of several words (an identifier, a zone) is one phrase, not each word alone: "log" is no code.
    expect(textQuery("What does LOG_ACTION_STATES do?")).toBe("(log & action & states) | (log <-> action <-> states)");
    expect(textQuery("Is log_level a setting in us-west2-a?")).toBe("(log & level & setting & us & west2) | (log <-> level) | (us <-> west2 <-> a)");
    // A hyphenated word is not a code.
    expect(textQuery("Is it well-known?")).toBe("(well & known)");
    // A command-line option or a camelCase identifier is: the question copied it from the sources.
    expect(textQuery("What should I use instead of --argfile?")).toBe("(should & use & instead & argfile) | argfile");
    expect(textQuery("What does convertToHtml return?")).toBe("(converttohtml & return) | converttohtml");
    // Nor is a code made only of frequent words (all listed among the column's most common): every page of a CLI's manual
    // has "--flags-file". It stays among "every word"; one rarer word keeps the phrase.
    expect(textQuery("What does --flags-file do?", new Set(), new Set(["flags", "file"]))).toBe("(flags & file)");
    expect(textQuery("Is log_level set in SYNOPSIS?", new Set(), new Set(["log", "synopsis"]))).toBe("(log & level & set & synopsis) | (log <-> level)");
  });
});
