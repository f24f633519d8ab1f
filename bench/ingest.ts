/**
 * Ingestion throughput per connector, embedding excluded: extract → clean →
 * split → store into PGlite, on a generated corpus (20 MB of text and of
 * HTML, a few hundred PDF pages, DOCX files). Prints MB/s, chunks/s and, for
 * PDF, pages/s, and compares the time with what a real embedding model
 * (~30 ms per chunk on this class of machine) would add.
 *
 *   npm run bench:ingest            (PARLEY_BENCH_MB=20 by default)
 *   DATABASE_URL=postgresql://…      the same on PostgreSQL (an empty database)
 *
 * Storing never touches the vector index (chunks are stored outside the bot's
 * graph); folding them in is timed apart ("then index s").
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Document, HeadingLevel, Packer, Paragraph } from "docx";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { connectorNamed, createTextBudget, type SourceInput } from "../connectors/index.js";
import { openDatabase } from "../src/db/index.js";
import { searchVectorBinary } from "../src/db/text-search.js";
import { EXACT_SEARCH_MAX_CHUNKS, toVectorBinary, toVectorLiteral } from "../src/db/vector.js";
import { createLogger } from "../src/logger.js";
import { createLexicalEmbedder } from "../src/providers/embeddings.js";
import { cleanText, foldIntoIndexes, splitSections, storeChunks } from "../src/services/ingestion/ingestion.js";
import { prose } from "./corpus.js";

const MB = 1024 * 1024;
const TARGET_MB = Number(process.env.PARLEY_BENCH_MB ?? 20);
const MODEL_MS_PER_CHUNK = 30;
async function corpus(): Promise<Record<string, SourceInput[]>> {
  const files = Math.max(1, Math.round(TARGET_MB));
  const text = Array.from({ length: files }, (_, i) => ({ kind: "DOCUMENT" as const, name: `doc${i}.txt`, bytes: new TextEncoder().encode(prose(MB, i + 1)) }));
  const html = Array.from({ length: files }, (_, i) => {
    const body = prose(MB, i + 100)
      .split("\n\n")
      .map((p, j) => (j % 10 === 0 ? `<h2>Section ${j}</h2>` : "") + `<p>${p}</p>`)
      .join("\n");
    const page = `<html><head><title>Page ${i}</title><script>var x = 1;</script></head><body><nav><a href="/">Home</a></nav><main>${body}</main><footer>Footer</footer></body></html>`;
    return { kind: "DOCUMENT" as const, name: `page${i}.html`, bytes: new TextEncoder().encode(page) };
  });
  const pdfs: SourceInput[] = [];
  for (let f = 0; f < 4; f++) {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    for (let p = 0; p < 100; p++) {
      const page = doc.addPage([595, 842]);
      prose(2500, f * 1000 + p)
        .replace(/\n/g, " ")
        .match(/.{1,90}(\s|$)/g)!
        .slice(0, 40)
        .forEach((line, i) => page.drawText(line.trim(), { x: 40, y: 800 - i * 19, size: 10, font }));
    }
    pdfs.push({ kind: "DOCUMENT", name: `manual${f}.pdf`, bytes: await doc.save() });
  }
  const docx: SourceInput[] = [];
  for (let f = 0; f < 4; f++) {
    const paragraphs = prose(MB / 2, f + 500)
      .split("\n\n")
      .flatMap((p, j) => (j % 10 === 0 ? [new Paragraph({ text: `Heading ${j}`, heading: HeadingLevel.HEADING_2 }), new Paragraph(p)] : [new Paragraph(p)]));
    docx.push({
      kind: "DOCUMENT",
      name: `policy${f}.docx`,
      bytes: new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children: paragraphs }] }))),
    });
  }
  return { text, html, pdf: pdfs, docx };
}

const dir = await mkdtemp(path.join(os.tmpdir(), "parley-bench-"));
// DATABASE_URL: the same on PostgreSQL (its database should be empty: the migrations run).
const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir: dir, logger: createLogger("silent") });
const workspace = await db.prisma.workspace.create({ data: { name: "bench" } });
const bot = await db.prisma.bot.create({ data: { workspaceId: workspace.id, name: "bench" } });
const lexical = createLexicalEmbedder(384);
const context = () => ({
  signal: new AbortController().signal,
  budget: createTextBudget(64 * MB),
  web: { allowPrivateUrls: false, timeoutMs: 1000, maxBytes: MB, maxRedirects: 0 },
});

console.log(`Generating corpus (${TARGET_MB} MB of text and of HTML, 400 PDF pages, 2 MB of DOCX)...`);
const inputs = await corpus();
/** Vectors of the text corpus's chunks, and its bytes per chunk, for the floor below. */
const floorSample: { vectors: number[][]; texts: string[]; bytesPerChunk: number } = { vectors: [], texts: [], bytesPerChunk: 0 };
const rows: string[][] = [
  [
    "connector",
    "input MB",
    "pages",
    "chunks",
    "extract s",
    "split s",
    "store s",
    "seconds",
    "MB/s",
    "chunks/s",
    "pages/s",
    "vs 30 ms/chunk model",
    "lexical embed s",
    "then index s",
    "MB/s with index",
  ],
];

for (const [name, sources] of Object.entries(inputs)) {
  // Every connector starts from an empty index: an HNSW insert costs more as
  // the graph grows, and the figures should not depend on the order here.
  await db.prisma.$executeRawUnsafe("TRUNCATE chunks");
  const connector = connectorNamed(name === "html" ? "text" : name)!;
  let bytes = 0;
  let chunks = 0;
  let pages = 0;
  let embedSeconds = 0;
  const phases = { extract: 0, split: 0, store: 0, index: 0 };
  const time = async <T>(phase: keyof typeof phases, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      phases[phase] += (performance.now() - t0) / 1000;
    }
  };
  const started = performance.now();
  for (const input of sources) {
    bytes += input.bytes!.length;
    const source = await db.prisma.source.create({ data: { botId: bot.id, kind: "DOCUMENT", connector: connector.name, name: input.name } });
    const extracted = await time("extract", () => connector.extract(input, context()));
    pages += extracted.sections.filter((s) => s.page !== undefined).length;
    const sections = extracted.sections.map((s) => ({ ...s, text: cleanText(s.text) })).filter((s) => s.text);
    const drafts = await time("split", () => splitSections(sections, input.name, 1000, 200));
    chunks += drafts.length;
    // Embedding is excluded from the throughput (timed apart), but the chunks are stored
    // with their real vectors: the HNSW index's cost depends on how they spread.
    const embedStart = performance.now();
    const embeddings = await lexical.embed(drafts.map((d) => d.content));
    const vectors = new Float32Array(embeddings.flat());
    embedSeconds += (performance.now() - embedStart) / 1000;
    if (name === "text" && floorSample.vectors.length < 4000) {
      floorSample.vectors.push(...embeddings);
      floorSample.texts.push(...drafts.map((d) => d.content));
    }
    await time("store", () => storeChunks(db, source, drafts, vectors, { contentHash: "bench", title: null, embeddingModel: "bench" }));
  }
  // A bot this large has its chunks folded into the HNSW graph after the sync: answerable before, so timed apart.
  await time("index", () => foldIntoIndexes(db.prisma, bot.id));
  if (name === "text") floorSample.bytesPerChunk = bytes / chunks;
  // The embedding sample is timed apart and not part of the throughput.
  const seconds = phases.extract + phases.split + phases.store;
  void started;
  const model = (chunks * MODEL_MS_PER_CHUNK) / 1000;
  rows.push([
    name,
    (bytes / MB).toFixed(1),
    String(pages || "-"),
    String(chunks),
    phases.extract.toFixed(2),
    phases.split.toFixed(2),
    phases.store.toFixed(2),
    seconds.toFixed(2),
    (bytes / MB / seconds).toFixed(2),
    (chunks / seconds).toFixed(0),
    pages ? (pages / seconds).toFixed(1) : "-",
    `${((seconds / model) * 100).toFixed(1)}%`,
    embedSeconds.toFixed(2),
    phases.index.toFixed(2),
    (bytes / MB / (seconds + phases.index)).toFixed(2),
  ]);
}

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i]!)).join("  "));
console.log(
  `\n"vs 30 ms/chunk model": pipeline time without embedding as a share of what embedding the same chunks with a real model would take (target < 10%).`,
);
console.log(`"lexical embed s": time of the embedded lexical embedder for those chunks (not included in the throughput).`);
console.log(
  `"then index s": folding the chunks into the HNSW graph after the sync (foldIntoIndexes; only a bot of more than ${EXACT_SEARCH_MAX_CHUNKS} chunks has it); answerable before, so apart from MB/s.`,
);

// The floor under "store": the same vectors, with nothing else, into a table
// holding only them: as text (pgvector parses each number), in binary (what
// storeChunks sends), and in binary into a table with an HNSW index. No
// pipeline can store chunks faster than this database stores their vectors.
const floor: string[] = [];
for (const [form, encode, index] of [
  ["as text", toVectorLiteral, false],
  ["in binary", toVectorBinary, false],
  ["in binary, with HNSW", toVectorBinary, true],
] as const) {
  await db.prisma.$executeRawUnsafe(`CREATE TABLE bench_floor (embedding vector(${lexical.dimension}))`);
  if (index) await db.prisma.$executeRawUnsafe("CREATE INDEX ON bench_floor USING hnsw (embedding vector_cosine_ops)");
  const t0 = performance.now();
  for (let start = 0; start < floorSample.vectors.length; start += 500) {
    const batch = floorSample.vectors.slice(start, start + 500).map((v) => encode(v));
    await db.execute(`INSERT INTO bench_floor VALUES ${batch.map((_, i) => `($${i + 1}::vector)`).join(",")}`, batch);
  }
  const msPerChunk = (performance.now() - t0) / floorSample.vectors.length;
  await db.prisma.$executeRawUnsafe("DROP TABLE bench_floor");
  floor.push(`${form} ${(msPerChunk * 1000).toFixed(0)} us/chunk = at most ${(floorSample.bytesPerChunk / MB / (msPerChunk / 1000)).toFixed(2)} MB/s of text`);
}
// And under the text: a chunk's words indexed for full-text search (a GIN
// index on a tsvector) with nothing else: made by the database's to_tsvector
// (what a generated column did), and made by the server and sent in binary
// (what storeChunks sends: searchVectorBinary).
for (const [form, made] of [
  ["by the database (to_tsvector)", false],
  ["by the server, in binary", true],
] as const) {
  await db.prisma.$executeRawUnsafe("CREATE TABLE bench_floor (content text, search_vector tsvector)");
  await db.prisma.$executeRawUnsafe("CREATE INDEX ON bench_floor USING gin (search_vector)");
  // The server's entries are made before the clock (storeChunks makes them while the database writes the rows before).
  const entries = made ? floorSample.texts.map((text) => searchVectorBinary(text)) : [];
  const textStart = performance.now();
  for (let start = 0; start < floorSample.texts.length; start += 100) {
    const texts = floorSample.texts.slice(start, start + 100);
    if (!made) await db.execute("INSERT INTO bench_floor SELECT t, to_tsvector('simple', t) FROM unnest($1::text[]) t", [texts]);
    else {
      const params = texts.flatMap((text, i) => [text, entries[start + i]]);
      await db.execute(`INSERT INTO bench_floor VALUES ${texts.map((_, i) => `($${2 * i + 1}, $${2 * i + 2}::tsvector)`).join(",")}`, params);
    }
  }
  const textUs = ((performance.now() - textStart) / floorSample.texts.length) * 1000;
  await db.prisma.$executeRawUnsafe("DROP TABLE bench_floor");
  floor.push(`the text alone with its GIN index, its tsvector made ${form}, ${textUs.toFixed(0)} us/chunk`);
}
console.log(
  `The floor, each part of a chunk alone into a bare table (${floorSample.vectors.length} of the text chunks, ${floorSample.bytesPerChunk.toFixed(0)} bytes of input each): ${floor.join("; ")}.`,
);
await db.close();
await rm(dir, { recursive: true, force: true });
