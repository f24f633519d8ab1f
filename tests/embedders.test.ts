/**
 * The embedders that need no model server: "words" (GloVe word vectors and
 * the text's vocabulary side by side, the default) and "lexical"
 * (vocabulary alone); the minimum similarity each gives a bot; and a bot's
 * sources embedded again when the server starts with another embedder.
 */
import { describe, expect, it } from "@jest/globals";
import { createLexicalEmbedder, createWordsEmbedder } from "../src/providers/embeddings.js";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp, tempDir } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

const WIFI = "We have a fibre connection with 1 Gbit/s. The guest network is called Loft-Guest.";
const GARAGE = "The nearest public garage is Markthal parking, about 400 metres away.";
const COFFEE = "Coffee, tea and filtered water are free for all members.";

describe("the embedded embedders", () => {
  it("words: brings a question near the passage that answers it in other words, which vocabulary alone cannot", async () => {
    const question = "Where can I park my car?";
    const [q, garage, coffee] = await createWordsEmbedder(384).embed([question, GARAGE, COFFEE]);
    expect(cosine(q!, garage!)).toBeGreaterThan(cosine(q!, coffee!) + 0.2);
    const [lq, lgarage] = await createLexicalEmbedder(384).embed([question, GARAGE]);
    expect(cosine(q!, garage!)).toBeGreaterThan(2 * cosine(lq!, lgarage!));
  });

  it("words: still tells codes apart that no word list knows", async () => {
    const [q, e4, e1] = await createWordsEmbedder(384).embed([
      "What does E4 mean?",
      "E4 means the Wi-Fi password was rejected.",
      "E1 means the thermostat cannot reach your boiler.",
    ]);
    expect(cosine(q!, e4!)).toBeGreaterThan(cosine(q!, e1!));
  });

  it("gives unit vectors of the configured width, the same for the same text, and a direction even to a text without words", async () => {
    const embedder = createWordsEmbedder(512);
    const [a, b, empty] = await embedder.embed([WIFI, WIFI, "…"]);
    expect(a).toHaveLength(512);
    expect(a).toEqual(b);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 6);
    expect(Math.hypot(...empty!)).toBeCloseTo(1, 6);
    expect(embedder.model).toBe("parley-words-512");
    expect(() => createWordsEmbedder(150)).toThrow(/at least 200/);
  });
});

const SETTINGS = `query($b: ID!) { bot(id: $b) { settings { minSimilarity minSimilarityIsDefault } } }`;
const UPDATE = `mutation($b: ID!, $m: Float) { updateBot(id: $b, input: { settings: { minSimilarity: $m } }) { settings { minSimilarity minSimilarityIsDefault } } }`;

describe("a bot's minimum similarity", () => {
  it("follows the embedder in use until the bot sets its own, and goes back to it on null", async () => {
    const t = await startApp();
    const admin = await signUp(t.url);
    const botId = await createBot(t.url, admin);
    expect((await gqlRaw(t.url, SETTINGS, { b: botId }, admin.headers)).data!.bot.settings).toEqual({ minSimilarity: 0.35, minSimilarityIsDefault: true });
    expect((await gqlRaw(t.url, UPDATE, { b: botId, m: 0.5 }, admin.headers)).data!.updateBot.settings).toEqual({
      minSimilarity: 0.5,
      minSimilarityIsDefault: false,
    });
    expect((await gqlRaw(t.url, UPDATE, { b: botId, m: null }, admin.headers)).data!.updateBot.settings).toEqual({
      minSimilarity: 0.35,
      minSimilarityIsDefault: true,
    });
    await t.stop();
    const lexical = await startApp({ EMBEDDED_EMBEDDER: "lexical", DATA_DIR: t.dataDir });
    const again = await gqlRaw(lexical.url, SETTINGS, { b: botId }, admin.headers);
    expect(again.data!.bot.settings).toEqual({ minSimilarity: 0.2, minSimilarityIsDefault: true });
  });
});

describe("switching embedders", () => {
  it("embeds the bot's sources again at start-up with the embedder configured now", async () => {
    const dataDir = await tempDir();
    const first = await startApp({ EMBEDDED_EMBEDDER: "lexical", DATA_DIR: dataDir });
    const admin = await signUp(first.url);
    const botId = await createBot(first.url, admin);
    const added = await gqlRaw(
      first.url,
      `mutation($b: ID!) { addTextSource(botId: $b, title: "Wi-Fi", text: "${WIFI}") { id } }`,
      { b: botId },
      admin.headers,
    );
    const sourceId = added.data!.addTextSource.id as string;
    expect(await waitForSource(first, sourceId)).toMatchObject({ syncStatus: "SYNCED", embeddingModel: "parley-lexical-384" });
    await first.stop();

    const second = await startApp({ DATA_DIR: dataDir });
    const source = await waitForSource(second, sourceId, (s) => s.syncStatus === "SYNCED" && s.embeddingModel === "parley-words-384");
    expect(source.generation).toBe(2);
    const [stored] = await second.app.services.db.prisma.$queryRaw<{ content: string; v: string }[]>`
      SELECT content, embedding::text AS v FROM chunks WHERE source_id = ${sourceId}::uuid`;
    const [expected] = await createWordsEmbedder(384).embed([stored!.content]);
    expect(cosine(JSON.parse(stored!.v) as number[], expected!)).toBeGreaterThan(0.99);
    // A restart with the same embedder queues nothing.
    await second.stop();
    const third = await startApp({ DATA_DIR: dataDir });
    expect(await third.app.services.db.prisma.ingestionJob.count({ where: { status: "PENDING" } })).toBe(0);
  });
});
