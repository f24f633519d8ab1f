import { describe, expect, it } from "@jest/globals";
import { writeFile } from "../src/services/ingestion/files.js";
import { createLexicalEmbedder, type Embedder } from "../src/providers/embeddings.js";
import { storeChunks } from "../src/services/ingestion/ingestion.js";
import { SERVER_STOPPED_MESSAGE } from "../src/services/ingestion/jobs.js";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, tempDir, type TestApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";
import { serveSite } from "./helpers/site.js";
import { uploadFile, waitForSource } from "./helpers/sources.js";
import { makeDocxBomb, makeZip } from "./fixtures/zip.js";

/**
 * Isolation of heavy work: a hostile or huge source costs its own worker
 * thread, never the server, and a source that killed the process cannot do
 * it again at every start.
 */

const UPLOAD = `mutation($botId: ID!, $file: File!) { uploadDocument(botId: $botId, file: $file) { id } }`;
const ADD_TEXT = `mutation($botId: ID!, $title: String!, $text: String!) { addTextSource(botId: $botId, title: $title, text: $text) { id } }`;
const SOURCE = `query($id: ID!) { source(id: $id) { syncStatus lastError lastErrorCode chunkCount } }`;
const MB = 1024 * 1024;

async function tenant(t: TestApp): Promise<{ account: Account; botId: string }> {
  const account = await signUp(t.url);
  return { account, botId: await createBot(t.url, account) };
}

/** Polls GET /livez until stopped; resolves with every status it got (a failed request counts as 0). */
function pollLivez(url: string) {
  const statuses: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      statuses.push(
        await fetch(`${url}/livez`).then(
          (r) => r.status,
          () => 0,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return statuses;
    },
  };
}

const sourceOf = async (t: TestApp, account: Account, id: string) => (await gqlRaw(t.url, SOURCE, { id }, account.headers)).data!.source;

describe("hostile and huge sources", () => {
  it("refuses a DOCX bomb and a ZIP with a huge declared part from their headers; /livez answers throughout; a restart stays up", async () => {
    const dataDir = await tempDir();
    const t = await startApp({ DATA_DIR: dataDir, MAX_EXTRACTED_BYTES: String(8 * MB) });
    const { account, botId } = await tenant(t);
    const livez = pollLivez(t.url);

    const bomb = await makeDocxBomb({ inflatedBytes: 40 * MB }); // ~100 KB that inflate to 40 MB
    expect(bomb.length).toBeLessThan(MB);
    const huge = await makeDocxBomb({ inflatedBytes: 1000, declaredSize: 0xfffffff0 }); // says 4 GB
    const ids: string[] = [];
    for (const [name, bytes] of [
      ["bomb.docx", bomb],
      ["huge.docx", huge],
    ] as const) {
      const upload = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name, bytes });
      expect(upload.errors).toBeUndefined();
      ids.push(upload.data.uploadDocument.id);
    }
    for (const id of ids) {
      const source = await waitForSource(t, id);
      expect(source).toMatchObject({ syncStatus: "ERROR", lastErrorCode: "SOURCE_TOO_LARGE", attempts: 1 });
      expect(source.lastError).toMatch(/^The DOCX expands to more than 8 MB \(its part word\/document\.xml alone declares .* MB\)/);
    }
    expect(await sourceOf(t, account, ids[0]!)).toMatchObject({ syncStatus: "ERROR", lastErrorCode: "SOURCE_TOO_LARGE" });
    const statuses = await livez.stop();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await t.stop();

    // A restart on the same folder comes up, does not run them again, and serves.
    const again = await startApp({ DATA_DIR: dataDir, MAX_EXTRACTED_BYTES: String(8 * MB) });
    expect((await fetch(`${again.url}/livez`)).status).toBe(200);
    const jobs = await again.app.services.db.prisma.ingestionJob.findMany({ where: { sourceId: { in: ids } } });
    expect(jobs.map((j) => j.status)).toEqual(["FAILED", "FAILED"]);
    expect(again.app.services.jobs.active).toBe(0);
  });

  it("ends a worker that runs out of memory: only its source fails, and the next source ingests", async () => {
    // An honest DOCX that inflates to 120 MB, with the expansion limit out of the way: mammoth fills the worker's heap.
    const t = await startApp({ MAX_EXTRACTED_BYTES: String(1024 * MB), EXTRACTION_HEAP_MB: "128", INGESTION_WORKERS: "1" });
    const { account, botId } = await tenant(t);
    const livez = pollLivez(t.url);
    const upload = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "greedy.docx", bytes: await makeDocxBomb({ inflatedBytes: 120 * MB }) });
    const failed = await waitForSource(t, upload.data.uploadDocument.id, undefined, 60_000);
    expect(failed).toMatchObject({ syncStatus: "ERROR", lastErrorCode: "SOURCE_TOO_LARGE" });
    expect(failed.lastError).toMatch(/needed more than the 128 MB of memory Parley gives one source \(EXTRACTION_HEAP_MB\)/);

    const next = await gqlRaw(t.url, ADD_TEXT, { botId, title: "Hours", text: "The shop opens at nine." }, account.headers);
    expect(await waitForSource(t, next.data!.addTextSource.id)).toMatchObject({ syncStatus: "SYNCED", chunkCount: 1 });
    expect((await livez.stop()).every((s) => s === 200)).toBe(true);
  });

  it("refuses a DOCX whose part lies about its size, with the reason", async () => {
    const t = await startApp();
    const { account, botId } = await tenant(t);
    const liar = await makeZip([{ name: "word/document.xml", parts: [new Uint8Array(4 * MB)], declaredSize: 100 }]);
    const upload = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "liar.docx", bytes: liar });
    const source = await waitForSource(t, upload.data.uploadDocument.id);
    expect(source).toMatchObject({ syncStatus: "ERROR", lastErrorCode: "EXTRACTION_FAILED" });
    expect(source.lastError).toMatch(/^The file is not a readable DOCX/);
  });

  it("ends a source that takes longer than EXTRACTION_TIMEOUT_MS", async () => {
    const site = await serveSite({ "/slow": () => ({ body: "<p>late</p>", delayMs: 5000 }) });
    const t = await startApp({ EXTRACTION_TIMEOUT_MS: "1500", ALLOW_PRIVATE_URLS: "true" });
    const { account, botId } = await tenant(t);
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!, $u: String!) { addLinkSource(botId: $b, link: { url: $u }) { id } }`,
      { b: botId, u: `${site.origin}/slow` },
      account.headers,
    );
    const source = await waitForSource(t, added.data!.addLinkSource.id);
    expect(source).toMatchObject({ syncStatus: "ERROR", lastErrorCode: "EXTRACTION_TIMEOUT" });
    expect(source.lastError).toMatch(/took longer than 2 s, the most Parley allows one source \(EXTRACTION_TIMEOUT_MS\)/);
  });
});

describe("a process that died mid-job", () => {
  /** Leaves a source as a killed process would: its job RUNNING, after `attempts` claims. */
  async function diedWhileRunning(t: TestApp, sourceId: string, attempts: number) {
    await t.app.services.db.prisma.ingestionJob.create({ data: { sourceId, status: "RUNNING", attempts, lockedAt: new Date() } });
    await t.app.services.db.prisma.source.update({ where: { id: sourceId }, data: { syncStatus: "PROCESSING", attempts } });
  }

  it("counts the death as an attempt: past the retries the source ends in ERROR and is not run again", async () => {
    const dataDir = await tempDir();
    const env = { DATA_DIR: dataDir, INGESTION_MAX_RETRIES: "2", INGESTION_RETRY_BASE_MS: "20" };
    const first = await startApp(env);
    const { account, botId } = await tenant(first);
    const added = await gqlRaw(first.url, ADD_TEXT, { botId, title: "Poison", text: "Killed the server three times." }, account.headers);
    const id = added.data!.addTextSource.id;
    await waitForSource(first, id);
    await diedWhileRunning(first, id, 3);
    await first.stop();

    const second = await startApp(env);
    const source = await second.app.services.db.prisma.source.findUniqueOrThrow({ where: { id } });
    expect(source).toMatchObject({ syncStatus: "ERROR", lastErrorCode: "SERVER_STOPPED", lastError: SERVER_STOPPED_MESSAGE, attempts: 3 });
    const job = await second.app.services.db.prisma.ingestionJob.findFirstOrThrow({ where: { sourceId: id, status: { not: "SUCCEEDED" } } });
    expect(job).toMatchObject({ status: "FAILED", lastError: SERVER_STOPPED_MESSAGE });
    expect(second.app.services.jobs.active).toBe(0);
    // Resyncing is the admin's way to try again.
    await gqlRaw(second.url, `mutation($id: ID!) { resyncSource(id: $id) { id } }`, { id }, account.headers);
    expect(await waitForSource(second, id, (s) => s.syncStatus === "SYNCED")).toMatchObject({ lastErrorCode: null });
  });

  it("keeps the old chunks answering after a crash between batches, and completes the job after the restart", async () => {
    const dataDir = await tempDir();
    const env = { DATA_DIR: dataDir, CHUNK_SIZE: "100", CHUNK_OVERLAP: "0", INGESTION_RETRY_BASE_MS: "20" };
    const first = await startApp(env);
    const { account, botId } = await tenant(first);
    const old = Array.from({ length: 10 }, (_, i) => `Old lamp fact ${i}.`).join("\n\n");
    const fresh = Array.from({ length: 100 }, (_, i) => `New shade fact ${i}.`).join("\n\n");
    const id = (await gqlRaw(first.url, ADD_TEXT, { botId, title: "Facts", text: old }, account.headers)).data!.addTextSource.id;
    await waitForSource(first, id);
    const prisma = first.app.services.db.prisma;
    const visible = async (t: TestApp) =>
      (await t.app.services.retrieval.retrieve(botId, "fact", { topK: 200, minSimilarity: -1 })).map((c) => c.content.split(" ")[0]);

    // A new version is being stored when the process dies after two batches.
    const source = await prisma.source.findUniqueOrThrow({ where: { id } });
    await writeFile(prisma, id, new TextEncoder().encode(fresh));
    await diedWhileRunning(first, id, 1);
    const drafts = Array.from({ length: 100 }, (_, i) => ({ content: `New shade fact ${i}.`, index: i, metadata: { source: "Facts" } }));
    let batches = 0;
    const crash = storeChunks(
      first.app.services.db,
      source,
      drafts,
      new Float32Array(100 * 384).fill(0.05),
      { contentHash: "x", title: null, embeddingModel: "test" },
      {
        batchSize: 10,
        beforeBatch: async () => {
          if (++batches > 3) throw new Error("killed");
        },
      },
    );
    await expect(crash).rejects.toThrow("killed");
    // The old set, and the two new batches (after the clean-up's turn) that nobody sees.
    expect(await prisma.chunk.count({ where: { sourceId: id } })).toBe(source.chunkCount + 20);
    const before = await visible(first);
    expect(before).toHaveLength(source.chunkCount);
    expect(new Set(before)).toEqual(new Set(["Old"]));
    await first.stop();

    const second = await startApp(env);
    const synced = await waitForSource(second, id, (s) => s.syncStatus === "SYNCED" && s.generation > source.generation);
    expect(synced.chunkCount).toBeGreaterThan(source.chunkCount);
    // The leftovers and the old set are gone.
    expect(await second.app.services.db.prisma.chunk.count({ where: { sourceId: id } })).toBe(synced.chunkCount);
    const after = await visible(second);
    expect(after).toHaveLength(synced.chunkCount);
    expect(new Set(after)).toEqual(new Set(["New"]));
  });

  it("does not say SYNCED before the job that stored the chunks has ended, even if the process dies in between", async () => {
    const dataDir = await tempDir();
    const env = { DATA_DIR: dataDir, INGESTION_RETRY_BASE_MS: "20" };
    const first = await startApp(env);
    const { account, botId } = await tenant(first);
    const id = (await gqlRaw(first.url, ADD_TEXT, { botId, title: "Facts", text: "Old lamp fact." }, account.headers)).data!.addTextSource.id;
    await waitForSource(first, id);
    const prisma = first.app.services.db.prisma;
    const source = await prisma.source.findUniqueOrThrow({ where: { id } });
    await diedWhileRunning(first, id, 1);
    // The new version is stored in full; the process dies before its job ends.
    const drafts = [{ content: "New shade fact.", index: 0, metadata: { source: "Facts" } }];
    await storeChunks(first.app.services.db, source, drafts, new Float32Array(384).fill(0.05), { contentHash: "x", title: null, embeddingModel: "test" });
    expect(await prisma.source.findUniqueOrThrow({ where: { id } })).toMatchObject({ syncStatus: "PROCESSING", generation: source.generation + 1 });
    await first.stop();

    const second = await startApp(env);
    expect((await second.app.services.db.prisma.source.findUniqueOrThrow({ where: { id } })).syncStatus).not.toBe("SYNCED");
    const settled = await waitForSource(second, id, (s) => s.syncStatus === "SYNCED");
    expect(await second.app.services.db.prisma.ingestionJob.count({ where: { sourceId: id, status: { in: ["PENDING", "RUNNING"] } } })).toBe(0);
    expect(settled).toMatchObject({ lastError: null, attempts: 0 });
  });
});

describe("fairness across workspaces", () => {
  it("answers another workspace's chat while a large source ingests", async () => {
    const t = await startApp();
    const busy = await tenant(t);
    const quiet = await tenant(t);
    const facts = await gqlRaw(t.url, ADD_TEXT, { botId: quiet.botId, title: "Hours", text: "The shop opens at nine on weekdays." }, quiet.account.headers);
    await waitForSource(t, facts.data!.addTextSource.id);

    const big = Array.from({ length: 20_000 }, (_, i) => `Line ${i} of a long catalogue of spare parts and prices.`).join("\n");
    const upload = await uploadFile(
      t.url,
      busy.account.headers,
      UPLOAD,
      { botId: busy.botId },
      { name: "catalogue.txt", type: "text/plain", bytes: new TextEncoder().encode(big) },
    );
    expect(upload.errors).toBeUndefined(); // the upload itself answers at once, before ingestion
    const id = upload.data.uploadDocument.id;
    await waitForSource(t, id, (s) => s.syncStatus === "PROCESSING");

    const reply = await gqlRaw(
      t.url,
      `mutation($b: ID!) { sendMessage(botId: $b, message: "When does the shop open?") { message { content } } }`,
      { b: quiet.botId },
      quiet.account.headers,
    );
    expect(reply.errors).toBeUndefined();
    expect(reply.data!.sendMessage.message.content).toContain("nine");
    // The chat did not wait for the ingestion to end.
    expect((await t.app.services.db.prisma.source.findUniqueOrThrow({ where: { id } })).syncStatus).toBe("PROCESSING");
    expect(await waitForSource(t, id, undefined, 120_000)).toMatchObject({ syncStatus: "SYNCED" });
  });

  it("takes a second workspace's source before the first workspace's queue is through", async () => {
    // The busy workspace's sources wait in the embedder until released: their order cannot depend on timing.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lexical = createLexicalEmbedder(384);
    const embedder: Embedder = {
      provider: "embedded",
      model: lexical.model,
      dimension: 384,
      minSimilarity: 0.2,
      correctionSimilarity: 0.5,
      async embed(texts, signal) {
        if (texts.some((text) => text.includes("Catalogue part"))) await held;
        return lexical.embed(texts, signal);
      },
    };
    const t = await startApp({ INGESTION_WORKERS: "2" }, { embedder }); // one each, per workspace
    const busy = await tenant(t);
    const other = await tenant(t);
    const queued: string[] = [];
    for (let n = 0; n < 4; n++) {
      const added = await gqlRaw(
        t.url,
        ADD_TEXT,
        { botId: busy.botId, title: `Catalogue ${n}`, text: `Catalogue part ${n} fits model ${n}.` },
        busy.account.headers,
      );
      queued.push(added.data!.addTextSource.id);
    }
    await waitForSource(t, queued[0]!, (s) => s.syncStatus === "PROCESSING");
    const late = (await gqlRaw(t.url, ADD_TEXT, { botId: other.botId, title: "Hours", text: "Open at nine." }, other.account.headers)).data!.addTextSource.id;
    // The other workspace's one source is done while the busy workspace's second, third and fourth have not started.
    expect(await waitForSource(t, late)).toMatchObject({ syncStatus: "SYNCED" });
    const waiting = await t.app.services.db.prisma.source.findMany({ where: { id: { in: queued.slice(1) } }, select: { syncStatus: true } });
    expect(waiting.map((s) => s.syncStatus)).toEqual(["PENDING", "PENDING", "PENDING"]);
    release();
    for (const id of queued) expect(await waitForSource(t, id)).toMatchObject({ syncStatus: "SYNCED" });
  });
});
