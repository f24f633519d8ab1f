import { readdir, readFile } from "node:fs/promises";
import os from "node:os";
import { describe, expect, it } from "@jest/globals";
import { EXACT_SEARCH_MAX_CHUNKS } from "../src/db/vector.js";
import { createLexicalEmbedder, EmbeddingError, type Embedder } from "../src/providers/embeddings.js";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, tempDir, type TestApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";
import { serveSite } from "./helpers/site.js";
import { uploadFile, waitForSource } from "./helpers/sources.js";
import { makeDocx, makePdf } from "./fixtures/documents.js";

const UPLOAD = `mutation($botId: ID!, $file: File!) { uploadDocument(botId: $botId, file: $file) { id name kind connector mimeType sizeBytes syncStatus } }`;
const ADD_TEXT = `mutation($botId: ID!, $title: String!, $text: String!) { addTextSource(botId: $botId, title: $title, text: $text) { id syncStatus } }`;

/** This process's children whose command line holds `name`, with their nice values (Linux's /proc). */
async function childProcesses(name: string): Promise<{ pid: number; nice: number }[]> {
  const found: { pid: number; nice: number }[] = [];
  for (const pid of (await readdir("/proc")).filter((entry) => /^\d+$/.test(entry))) {
    const [stat, command] = await Promise.all([readFile(`/proc/${pid}/stat`, "utf8"), readFile(`/proc/${pid}/cmdline`, "utf8")]).catch(() => ["", ""]);
    // After the command's name in parentheses: state, ppid, … nice is the 17th field from there.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === process.pid && command.includes(name)) found.push({ pid: Number(pid), nice: Number(fields[16]) });
  }
  return found;
}

/** The lexical embedder, counting its calls and failing while `failing` is set. */
function instrumentedEmbedder() {
  const inner = createLexicalEmbedder(384);
  const state = { calls: 0, texts: 0, failing: false, delayMs: 0, gate: undefined as Promise<void> | undefined };
  const embedder: Embedder = {
    provider: "embedded",
    model: inner.model,
    dimension: 384,
    minSimilarity: 0.2,
    correctionSimilarity: 0.5,
    async embed(texts, signal) {
      state.calls++;
      state.texts += texts.length;
      if (state.gate) {
        // Hangs until released or aborted, like a model server that stalls.
        await Promise.race([state.gate, new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason), { once: true }))]);
      }
      if (state.delayMs) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
      if (state.failing) throw new EmbeddingError("The embedding service is down (simulated).", true);
      return inner.embed(texts, signal);
    },
  };
  return { embedder, state };
}

async function setup(env: Record<string, string> = {}, embedder?: Embedder): Promise<{ t: TestApp; account: Account; botId: string }> {
  const t = await startApp({ INGESTION_RETRY_BASE_MS: "20", ...env }, embedder ? { embedder } : {});
  const account = await signUp(t.url);
  const botId = await createBot(t.url, account);
  return { t, account, botId };
}

const chunksOf = (t: TestApp, sourceId: string) => t.app.services.db.prisma.chunk.findMany({ where: { sourceId }, orderBy: { chunkIndex: "asc" } });

describe("ingestion", () => {
  it("ingests an uploaded PDF: chunks with page numbers, embeddings in pgvector, status synced", async () => {
    const { t, account, botId } = await setup({ CHUNK_SIZE: "200", CHUNK_OVERLAP: "20" });
    const pdf = await makePdf(["Warranty\nThe warranty lasts two years from delivery.", "Support\nReset code ZX-4471 restores factory settings."]);
    const upload = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "manual.pdf", type: "application/pdf", bytes: pdf });
    expect(upload.errors).toBeUndefined();
    expect(upload.data.uploadDocument).toMatchObject({
      name: "manual.pdf",
      kind: "DOCUMENT",
      connector: "pdf",
      mimeType: "application/pdf",
      sizeBytes: pdf.length,
    });
    const source = await waitForSource(t, upload.data.uploadDocument.id);
    expect(source).toMatchObject({ syncStatus: "SYNCED", lastError: null, attempts: 0 });
    const chunks = await chunksOf(t, source.id);
    expect(source.chunkCount).toBe(chunks.length);
    expect(chunks.map((c) => (c.metadata as { page: number }).page)).toEqual([1, 2]);
    expect(chunks[1]!.content).toContain("ZX-4471");
    expect(chunks[0]!.metadata).toMatchObject({ source: "manual.pdf", page: 1 });
    const dims = await t.app.services.db.prisma.$queryRaw<{ dims: number }[]>`
      SELECT vector_dims(embedding) AS dims FROM chunks WHERE source_id = ${source.id}::uuid`;
    expect(dims.map((d) => d.dims)).toEqual([384, 384]);

    const viaApi = await gqlRaw(
      t.url,
      `query($id: ID!) { source(id: $id) { syncStatus chunkCount chunks(first: 1) { totalCount edges { node { index content metadata { page } } } } } }`,
      { id: source.id },
      account.headers,
    );
    expect(viaApi.data!.source).toMatchObject({
      syncStatus: "SYNCED",
      chunks: { totalCount: chunks.length, edges: [{ node: { index: 0, metadata: { page: 1 } } }] },
    });
    const bot = await gqlRaw(t.url, `query($id: ID!) { bot(id: $id) { sourceCounts { total synced } chunkCount } }`, { id: botId }, account.headers);
    expect(bot.data!.bot).toEqual({ sourceCounts: { total: 1, synced: 1 }, chunkCount: chunks.length });

    // Reading is background work: its worker process (still there, idle) runs ten steps nicer than this one.
    const workers = await childProcesses("extraction-worker");
    expect(workers.length).toBeGreaterThan(0);
    for (const worker of workers) expect(worker.nice).toBe(Math.min(19, os.getPriority() + 10));
  });

  it("ingests a DOCX with headings in chunk metadata, and text typed in", async () => {
    const { t, account, botId } = await setup();
    const upload = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "policy.docx", bytes: await makeDocx() });
    const docx = await waitForSource(t, upload.data.uploadDocument.id);
    expect(docx.syncStatus).toBe("SYNCED");
    expect((await chunksOf(t, docx.id)).map((c) => (c.metadata as { heading?: string }).heading)).toEqual(["Refund Policy", "Shipping costs", "Contact"]);

    const text = await gqlRaw(t.url, ADD_TEXT, { botId, title: "Hours", text: "We are open 9 to 17 on weekdays." }, account.headers);
    const source = await waitForSource(t, text.data!.addTextSource.id);
    expect(source).toMatchObject({ syncStatus: "SYNCED", kind: "TEXT", chunkCount: 1 });

    // A small bot is searched exactly: its chunks stay out of the HNSW graph (inserting into it is most of storing's cost).
    const prisma = t.app.services.db.prisma;
    const inGraph = async () => (await prisma.chunk.findMany({ where: { botId }, select: { inGraph: true } })).map((c) => c.inGraph);
    expect(await inGraph()).toEqual([false, false, false, false]);
    // Once the bot is large (a source of many chunks, its rows left out here), the sync puts all its chunks in.
    await prisma.source.create({ data: { botId, kind: "TEXT", connector: "text", name: "many", chunkCount: EXACT_SEARCH_MAX_CHUNKS } });
    const more = await gqlRaw(t.url, ADD_TEXT, { botId, title: "Closed", text: "Closed on public holidays." }, account.headers);
    const synced = await waitForSource(t, more.data!.addTextSource.id);
    expect(synced).toMatchObject({ syncStatus: "SYNCED" });
    expect(await inGraph()).toEqual([true, true, true, true, true]);
    // Its text index entries went in with the fold (stored outside the index, as a large bot's are), made by the
    // extraction worker and carried across to the server intact.
    const [entry] = await prisma.$queryRaw<{ text: string; indexed: boolean }[]>`
      SELECT search_vector::text AS text, in_text_index AS indexed FROM chunks WHERE source_id = ${synced.id}::uuid`;
    expect(entry).toEqual({ text: "'closed':1 'holidays':4 'on':2 'public':3", indexed: true });
    // A fold cut short (the process stopped) is finished by the bot's next sync, even one that finds nothing changed.
    await prisma.chunk.updateMany({ where: { sourceId: synced.id }, data: { inGraph: false } });
    expect((await gqlRaw(t.url, `mutation($id: ID!) { resyncSource(id: $id) { id } }`, { id: synced.id }, account.headers)).errors).toBeUndefined();
    await waitForSource(t, synced.id, (s) => s.syncStatus === "SYNCED" && s.lastSyncedAt! > synced.lastSyncedAt!);
    expect(await inGraph()).toEqual([true, true, true, true, true]);
  });

  it("ingests a small website: pages crawled, each chunk knowing its URL", async () => {
    const site = await serveSite({
      "/": `<html><head><title>Acme</title></head><body><main><h1>Acme</h1><p>Lamps and shades.</p><a href="/faq">FAQ</a></main></body></html>`,
      "/faq": `<html><head><title>FAQ</title></head><body><main><h2>Delivery</h2><p>Delivery takes 2 days.</p></main></body></html>`,
    });
    const { t, account, botId } = await setup({ ALLOW_PRIVATE_URLS: "true" });
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!, $u: String!) { addLinkSource(botId: $b, link: { url: $u, maxDepth: 1 }) { id kind url } }`,
      { b: botId, u: `${site.origin}/` },
      account.headers,
    );
    expect(added.errors).toBeUndefined();
    const source = await waitForSource(t, added.data!.addLinkSource.id);
    expect(source).toMatchObject({ syncStatus: "SYNCED", title: "Acme" });
    const urls = (await chunksOf(t, source.id)).map((c) => (c.metadata as { url: string }).url);
    expect(urls).toEqual([`${site.origin}/`, `${site.origin}/faq`]);
  });

  it("refuses unsupported, empty and oversized uploads, and private links, creating nothing", async () => {
    const { t, account, botId } = await setup({ MAX_UPLOAD_BYTES: "2000" });
    const png = await uploadFile(
      t.url,
      account.headers,
      UPLOAD,
      { botId },
      { name: "photo.png", type: "image/png", bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
    );
    expect(png.errors?.[0]).toMatchObject({ extensions: { code: "UNSUPPORTED_MEDIA_TYPE" } });
    expect(png.errors?.[0]?.message).toBe("photo.png is not a supported document. Supported: PDF (.pdf), Word (.docx), text (.txt, .md, .csv, .json, .html).");

    const big = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "big.txt", bytes: new Uint8Array(200_000).fill(65) });
    expect(big.status).toBe(413);
    expect(big.errors?.[0]?.extensions?.code).toBe("REQUEST_ENTITY_TOO_LARGE");
    // Just over the limit, inside the transport's allowance for multipart framing: refused by size.
    const over = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "over.txt", bytes: new Uint8Array(2500).fill(65) });
    expect(over.errors?.[0]).toMatchObject({
      message: "over.txt is 2500 bytes; the limit is 2000 (MAX_UPLOAD_BYTES).",
      extensions: { code: "REQUEST_ENTITY_TOO_LARGE" },
    });

    const empty = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "empty.txt", bytes: new Uint8Array(0) });
    expect(empty.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");

    // A binary file named .md (no NUL bytes to give it away): refused as it arrives, not stored as chunks of junk.
    let seed = 7;
    const noise = Uint8Array.from({ length: 1500 }, () => ((seed = (seed * 1103515245 + 12345) % 2147483648), 1 + (seed % 255)));
    const binary = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "notes.md", bytes: noise });
    expect(binary.errors?.[0]).toMatchObject({ extensions: { code: "UNSUPPORTED_MEDIA_TYPE", field: "file" } });
    expect(binary.errors?.[0]?.message).toMatch(/^notes\.md: This is not a text file: it is mostly binary data/);

    // A body streamed without a length (chunked) past the limit: 413, as with a declared length.
    const chunk = new Uint8Array(64 * 1024).fill(65);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if ((sent += chunk.length) > 100 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const chunked = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { ...account.headers, "content-type": "multipart/form-data; boundary=x", "graphql-require-preflight": "1" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("REQUEST_ENTITY_TOO_LARGE");

    const privateLink = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addLinkSource(botId: $b, link: { url: "http://127.0.0.1:8080/admin" }) { id } }`,
      { b: botId },
      account.headers,
    );
    expect(privateLink.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "url" } });
    const ftp = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addLinkSource(botId: $b, link: { url: "ftp://example.com/x" }) { id } }`,
      { b: botId },
      account.headers,
    );
    expect(ftp.errors?.[0]?.message).toMatch(/Only http and https/);
    expect(await t.app.services.db.prisma.source.count()).toBe(0);
  });

  it("leaves a corrupt PDF in error with a readable message, without retrying, and keeps other sources working", async () => {
    const { t, account, botId } = await setup();
    const bad = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "broken.pdf", bytes: new TextEncoder().encode("%PDF-1.7 garbage") });
    const good = await gqlRaw(t.url, ADD_TEXT, { botId, title: "ok", text: "Fine text." }, account.headers);
    const source = await waitForSource(t, bad.data.uploadDocument.id);
    expect(source.syncStatus).toBe("ERROR");
    expect(source.attempts).toBe(1);
    expect(source.lastError).toMatch(/not a readable PDF|could not be read/);
    expect((await waitForSource(t, good.data!.addTextSource.id)).syncStatus).toBe("SYNCED");
  });

  it("retries a failing embedder with backoff, then shows the error; a manual resync then succeeds", async () => {
    const { embedder, state } = instrumentedEmbedder();
    state.failing = true;
    const { t, account, botId } = await setup({ INGESTION_MAX_RETRIES: "3" }, embedder);
    const added = await gqlRaw(t.url, ADD_TEXT, { botId, title: "Doc", text: "Something to embed." }, account.headers);
    const failed = await waitForSource(t, added.data!.addTextSource.id, (s) => s.syncStatus === "ERROR");
    expect(state.calls).toBe(4); // the first attempt and 3 retries
    expect(failed).toMatchObject({ attempts: 4, lastError: "The embedding service is down (simulated).", chunkCount: 0 });
    const job = await t.app.services.db.prisma.ingestionJob.findFirstOrThrow({ where: { sourceId: failed.id } });
    expect(job).toMatchObject({ status: "FAILED", attempts: 4 });

    state.failing = false;
    const resync = await gqlRaw(t.url, `mutation($id: ID!) { resyncSource(id: $id) { syncStatus attempts lastError } }`, { id: failed.id }, account.headers);
    // The worker may already have picked it up when the answer is read.
    expect(resync.data!.resyncSource.lastError).toBeNull();
    expect(["PENDING", "PROCESSING"]).toContain(resync.data!.resyncSource.syncStatus);
    expect(await waitForSource(t, failed.id)).toMatchObject({ syncStatus: "SYNCED", chunkCount: 1, attempts: 0, lastError: null });
  });

  it("never says SYNCED while another job for the source waits: a resync during ingestion keeps it PENDING", async () => {
    const { embedder, state } = instrumentedEmbedder();
    let release!: () => void;
    state.gate = new Promise<void>((resolve) => (release = resolve));
    const { t, account, botId } = await setup({}, embedder);
    const statuses: string[] = [];
    const listening = new AbortController();
    void (async () => {
      for await (const event of t.app.services.sourceEvents.subscribe(botId, listening.signal)) statuses.push(event.status);
    })().catch(() => {});
    const id = (await gqlRaw(t.url, ADD_TEXT, { botId, title: "Doc", text: "First version." }, account.headers)).data!.addTextSource.id;
    while (!state.calls) await new Promise((resolve) => setTimeout(resolve, 20));
    // Changed while its first job is embedding: a second job is queued.
    await gqlRaw(t.url, `mutation($id: ID!) { resyncSource(id: $id) { id } }`, { id }, account.headers);
    release();
    const prisma = t.app.services.db.prisma;
    while ((await prisma.ingestionJob.count({ where: { sourceId: id, status: "SUCCEEDED" } })) < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    listening.abort();
    expect(statuses.filter((s) => s === "SYNCED")).toEqual(["SYNCED"]);
    expect(statuses.at(-1)).toBe("SYNCED");
    expect(await prisma.source.findUniqueOrThrow({ where: { id } })).toMatchObject({ syncStatus: "SYNCED", attempts: 0 });
  });

  it("replaces chunks atomically on update: readers see the old or the new chunks, never none", async () => {
    const { embedder, state } = instrumentedEmbedder();
    const { t, account, botId } = await setup({ CHUNK_SIZE: "100", CHUNK_OVERLAP: "0" }, embedder);
    const old = Array.from({ length: 30 }, (_, i) => `Old fact number ${i} is about lamps.`).join("\n\n");
    const added = await gqlRaw(t.url, ADD_TEXT, { botId, title: "Facts", text: old }, account.headers);
    const id = added.data!.addTextSource.id;
    await waitForSource(t, id);
    const before = await chunksOf(t, id);
    expect(before.length).toBeGreaterThan(5);

    const fresh = Array.from({ length: 40 }, (_, i) => `New fact number ${i} is about shades.`).join("\n\n");
    const counts: number[] = [];
    let reading = true;
    let stopAt: number | undefined;
    const reader = (async () => {
      // Reads until it has seen the new chunks (after the sync), however fast or slow the machine.
      while (reading || (stopAt !== undefined && counts.at(-1) !== stopAt)) {
        const [row] = await t.app.services.db.prisma.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM chunks c JOIN sources s ON s.id = c.source_id AND s.generation = c.generation WHERE c.source_id = ${id}::uuid`;
        counts.push(Number(row!.n));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const callsBefore = state.calls;
    state.delayMs = 100; // a slow model: readers keep reading while the new chunks are made
    let chunkCount: number;
    try {
      const updated = await gqlRaw(
        t.url,
        `mutation($id: ID!, $text: String!) { updateSource(id: $id, text: $text) { syncStatus } }`,
        { id, text: fresh },
        account.headers,
      );
      expect(["PENDING", "PROCESSING"]).toContain(updated.data!.updateSource.syncStatus);
      chunkCount = (await waitForSource(t, id, (s) => s.syncStatus === "SYNCED" && s.chunkCount !== before.length)).chunkCount;
      stopAt = chunkCount;
    } finally {
      reading = false;
      await reader;
    }
    expect(state.calls).toBeGreaterThan(callsBefore);
    const after = await chunksOf(t, id);
    expect(after).toHaveLength(chunkCount);
    expect(after.every((c) => c.content.startsWith("New fact"))).toBe(true);
    // The reader saw the old chunks, then the new ones, and nothing in between.
    expect(counts[0]).toBe(before.length);
    expect(counts.at(-1)).toBe(after.length);
    expect(counts.every((n) => n === before.length || n === after.length)).toBe(true);
  });

  it("refuses a file, text or address the bot already has, naming the source it already is", async () => {
    const { t, account, botId } = await setup();
    const bytes = new TextEncoder().encode("Opening hours: nine to five.");
    const first = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "hours.txt", type: "text/plain", bytes });
    const firstId = first.data.uploadDocument.id;
    const again = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "hours (copy).txt", type: "text/plain", bytes });
    expect(again.errors?.[0]).toMatchObject({
      message: 'This file is already a source of this bot ("hours.txt"): resync or replace that one instead.',
      extensions: { code: "CONFLICT", field: "file", existingSourceId: firstId },
    });

    const text = await gqlRaw(t.url, ADD_TEXT, { botId, title: "Hours", text: "We open at nine." }, account.headers);
    const textAgain = await gqlRaw(t.url, ADD_TEXT, { botId, title: "Hours again", text: "We open at nine." }, account.headers);
    expect(textAgain.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "text", existingSourceId: text.data!.addTextSource.id });

    const LINK = `mutation($b: ID!, $u: String!) { addLinkSource(botId: $b, link: { url: $u }) { id } }`;
    const link = await gqlRaw(t.url, LINK, { b: botId, u: "https://example.com/help" }, account.headers);
    const linkAgain = await gqlRaw(t.url, LINK, { b: botId, u: "https://example.com/help" }, account.headers);
    expect(linkAgain.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "url", existingSourceId: link.data!.addLinkSource.id });
    expect(await t.app.services.db.prisma.source.count({ where: { botId } })).toBe(3);

    // Another bot may have the same file.
    const other = await createBot(t.url, account, "Other");
    expect((await uploadFile(t.url, account.headers, UPLOAD, { botId: other }, { name: "hours.txt", type: "text/plain", bytes })).errors).toBeUndefined();
  });

  it("does not embed unchanged content again", async () => {
    const { embedder, state } = instrumentedEmbedder();
    const { t, account, botId } = await setup({}, embedder);
    const pdf = await makePdf(["Same content on every upload."]);
    const first = await uploadFile(t.url, account.headers, UPLOAD, { botId }, { name: "same.pdf", bytes: pdf });
    const id = first.data.uploadDocument.id;
    const synced = await waitForSource(t, id);
    const calls = state.calls;
    const again = await uploadFile(
      t.url,
      account.headers,
      `mutation($id: ID!, $file: File!) { updateSource(id: $id, file: $file) { syncStatus } }`,
      { id },
      { name: "same.pdf", bytes: pdf },
    );
    expect(again.errors).toBeUndefined();
    const resynced = await waitForSource(t, id, (s) => s.syncStatus === "SYNCED" && s.lastSyncedAt! > synced.lastSyncedAt!);
    expect(state.calls).toBe(calls);
    expect(resynced.chunkCount).toBe(synced.chunkCount);

    // So does resyncing the whole bot, when nothing changed.
    const all = await gqlRaw(t.url, `mutation($b: ID!) { resyncBot(botId: $b) }`, { b: botId }, account.headers);
    expect(all.data!.resyncBot).toBe(1);
    await waitForSource(t, id, (s) => s.syncStatus === "SYNCED" && s.lastSyncedAt! > resynced.lastSyncedAt!);
    expect(state.calls).toBe(calls);
  });

  it("deletes a source's chunks with it, and everything with its bot", async () => {
    const { t, account, botId } = await setup();
    const a = await gqlRaw(t.url, ADD_TEXT, { botId, title: "A", text: "Alpha text." }, account.headers);
    const b = await gqlRaw(t.url, ADD_TEXT, { botId, title: "B", text: "Beta text." }, account.headers);
    await waitForSource(t, a.data!.addTextSource.id);
    await waitForSource(t, b.data!.addTextSource.id);
    const deleted = await gqlRaw(t.url, `mutation($id: ID!) { deleteSource(id: $id) }`, { id: a.data!.addTextSource.id }, account.headers);
    expect(deleted.data!.deleteSource).toBe(a.data!.addTextSource.id);
    const prisma = t.app.services.db.prisma;
    expect(await prisma.chunk.count({ where: { sourceId: a.data!.addTextSource.id } })).toBe(0);
    expect(await prisma.chunk.count({ where: { sourceId: b.data!.addTextSource.id } })).toBe(1);
    await gqlRaw(t.url, `mutation($id: ID!) { deleteBot(id: $id) }`, { id: botId }, account.headers);
    expect([await prisma.source.count(), await prisma.chunk.count(), await prisma.sourceFilePart.count(), await prisma.ingestionJob.count()]).toEqual([
      0, 0, 0, 0,
    ]);
  });

  it("finishes a job interrupted by stopping the server after a restart", async () => {
    const dataDir = await tempDir();
    const { embedder, state } = instrumentedEmbedder();
    state.gate = new Promise(() => {}); // the model never answers in the first run
    const first = await setup({ DATA_DIR: dataDir }, embedder);
    const added = await gqlRaw(first.t.url, ADD_TEXT, { botId: first.botId, title: "Doc", text: "Survives a restart." }, first.account.headers);
    const id = added.data!.addTextSource.id;
    await waitForSource(first.t, id, (s) => s.syncStatus === "PROCESSING");
    await first.t.stop();

    const second = await startApp({ DATA_DIR: dataDir });
    const source = await waitForSource(second, id);
    expect(source).toMatchObject({ syncStatus: "SYNCED", chunkCount: 1 });
    // The job is marked done once the old generation is deleted, just after the source reads SYNCED.
    let job = await second.app.services.db.prisma.ingestionJob.findFirstOrThrow({ where: { sourceId: id } });
    for (let i = 0; job.status === "RUNNING" && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = await second.app.services.db.prisma.ingestionJob.findFirstOrThrow({ where: { sourceId: id } });
    }
    expect(job).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
  });
});
