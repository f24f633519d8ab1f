import { describe, expect, it } from "@jest/globals";
import { createOllamaEmbedder, EmbeddingError } from "../src/providers/embeddings.js";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";
import { fakeEmbedding, startFakeOllama } from "./helpers/fake-ollama.js";
import { waitForSource } from "./helpers/sources.js";

describe("the Ollama embedder", () => {
  it("embeds through /api/embed with the configured model, in one request per batch", async () => {
    const ollama = await startFakeOllama();
    const embedder = createOllamaEmbedder({ host: ollama.url, model: "all-minilm", dimension: 384 });
    const vectors = await embedder.embed(["first text", "second text"]);
    expect(vectors).toEqual([fakeEmbedding("first text"), fakeEmbedding("second text")]);
    const calls = ollama.requests.filter((r) => r.path === "/api/embed");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ model: "all-minilm", input: ["first text", "second text"] });
  });

  it("says what to do when the model is missing, the server is down, or the width is wrong", async () => {
    const ollama = await startFakeOllama({ models: ["llama3.2:latest"] });
    const missing = createOllamaEmbedder({ host: ollama.url, model: "all-minilm", dimension: 384 });
    await expect(missing.embed(["x"])).rejects.toThrow("The embedding model all-minilm is not available in Ollama (run: ollama pull all-minilm).");

    const down = createOllamaEmbedder({ host: "http://127.0.0.1:9", model: "all-minilm", dimension: 384 });
    const error = await down.embed(["x"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingError);
    expect((error as EmbeddingError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/^Ollama at http:\/\/127.0.0.1:9 could not embed/);

    const narrow = await startFakeOllama({ dimension: 8 });
    const wrong = createOllamaEmbedder({ host: narrow.url, model: "all-minilm", dimension: 384 });
    await expect(wrong.embed(["x"])).rejects.toThrow(/makes 8-dimensional vectors; the database stores 384/);
  });

  it("is used by ingestion when OLLAMA_BASE_URL is set, and its vectors are what pgvector stores", async () => {
    const ollama = await startFakeOllama();
    const t = await startApp({ OLLAMA_BASE_URL: ollama.url, EMBEDDING_MODEL: "all-minilm" });
    const account = await signUp(t.url);
    const botId = await createBot(t.url, account);
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addTextSource(botId: $b, title: "T", text: "Ollama made this vector.") { id } }`,
      { b: botId },
      account.headers,
    );
    const source = await waitForSource(t, added.data!.addTextSource.id);
    expect(source.syncStatus).toBe("SYNCED");
    const [row] = await t.app.services.db.prisma.$queryRaw<
      { embedding: string }[]
    >`SELECT embedding::text AS embedding FROM chunks WHERE source_id = ${source.id}::uuid`;
    const stored = JSON.parse(row!.embedding) as number[];
    fakeEmbedding("Ollama made this vector.").forEach((v, i) => expect(stored[i]).toBeCloseTo(v, 5));

    const health = (await (await fetch(`${t.url}/health`)).json()) as { providers: { embedding: unknown } };
    expect(health.providers.embedding).toEqual({ provider: "ollama", model: "all-minilm", ok: true });
  });

  it("retries when Ollama fails for a while, and succeeds", async () => {
    const ollama = await startFakeOllama();
    const t = await startApp({ OLLAMA_BASE_URL: ollama.url, INGESTION_RETRY_BASE_MS: "20" });
    const account = await signUp(t.url);
    const botId = await createBot(t.url, account);
    ollama.failNext("/api/embed", 2);
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addTextSource(botId: $b, title: "T", text: "Eventually embedded.") { id } }`,
      { b: botId },
      account.headers,
    );
    const source = await waitForSource(t, added.data!.addTextSource.id);
    expect(source.syncStatus).toBe("SYNCED");
    const job = await t.app.services.db.prisma.ingestionJob.findFirstOrThrow({ where: { sourceId: source.id } });
    expect(job.attempts).toBe(3);
  });

  it("stops start-up when the model's vectors do not fit the database", async () => {
    const narrow = await startFakeOllama({ dimension: 768 });
    await expect(startApp({ OLLAMA_BASE_URL: narrow.url })).rejects.toThrow(/makes 768-dimensional vectors; the database stores 384/);
  });
});
