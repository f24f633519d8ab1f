/**
 * The retrieval step on PGlite at 10k and 100k chunks: p50 and p99 of a
 * search (vector + full text + fusion; embedding the question excluded),
 * and recall@5 of the HNSW search against exact search.
 *
 * Two corpora (PARLEY_BENCH_DATA):
 *   lexical   - synthetic text embedded by the embedded lexical embedder, the
 *               default without a model server. Hashed word features give
 *               vectors of very high intrinsic dimension: a hard case for HNSW.
 *   words     - English-like text (words drawn from GloVe's vocabulary by
 *               their frequency) embedded by the "words" embedder, the
 *               default without a model server.
 *   manpages  - real English: this machine's manual pages (Debian's
 *               /usr/share/man, troff markup stripped) in 1,000-character
 *               chunks, embedded by the "words" embedder.
 *   clustered - dense vectors around 1,000 topic centres with noise, the shape
 *               of a language model's embeddings (which cannot be downloaded
 *               here); queries are noisy copies of stored vectors' topics.
 *
 *   npm run bench:retrieval          (PARLEY_BENCH_SIZES=10000,100000 PARLEY_BENCH_DATA=manpages,words,lexical,clustered PARLEY_BENCH_EF=40,100,200)
 *   npm run bench:retrieval -- --side-by-side
 *       100k manual-page chunks in 10 bots, Parley beside LanceDB (the
 *       embedded peer store) on the same vectors in the same run: first
 *       ingestion, storing with the index in place, the filtered top-5 query
 *       and its recall over 1,000 questions; LanceDB again with each row's
 *       text and a full-text index (Parley's rows hold both): storing, first
 *       ingestion and its hybrid query; ends with one JSON line of the figures.
 *   PARLEY_BENCH_QUERIES=100      questions asked (100 by default, 1,000 side by side)
 *   DATABASE_URL=postgresql://…   the same on PostgreSQL with pgvector (the
 *       production path; its migrations run, and the bench's workspace is
 *       deleted after each size), instead of the embedded PGlite
 *   PARLEY_BENCH_BUILD_MEM=512MB  maintenance_work_mem for the index build
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../src/db/index.js";
import { createChunkMaintenance } from "../src/db/statistics.js";
import { searchVectorBinary } from "../src/db/text-search.js";
import { botGraph, EXACT_SEARCH_MAX_CHUNKS, HNSW_BUILD, HNSW_EF_SEARCH, toVectorBinary, toVectorLiteral } from "../src/db/vector.js";
import { createLogger } from "../src/logger.js";
import { createLexicalEmbedder, createWordsEmbedder } from "../src/providers/embeddings.js";
import { wordVectors } from "../src/providers/word-vectors.js";
import { createRetrieval, nearestSql } from "../src/services/answering/retrieval.js";
import { foldIntoIndexes, storeChunks } from "../src/services/ingestion/ingestion.js";
import { benchBots } from "./bots.js";
import { manualChunks } from "./manpages.js";
import { measureLanceDb, type PeerFigures, type PeerRow } from "./peer-lancedb.js";
import { percentile } from "./stats.js";

const SIDE_BY_SIDE = process.argv.includes("--side-by-side");
/** A setting from the environment, else the side-by-side run's or the sweep's default. */
const setting = (name: string, sideBySide: string, sweep: string) => process.env[name] ?? (SIDE_BY_SIDE ? sideBySide : sweep);
const SIZES = setting("PARLEY_BENCH_SIZES", "100000", "10000,100000").split(",").map(Number);
type Data = "manpages" | "words" | "lexical" | "clustered";
const DATA = setting("PARLEY_BENCH_DATA", "manpages", "manpages,words,lexical,clustered").split(",") as Data[];
/**
 * Questions asked of the first bot (PARLEY_BENCH_QUERIES). Of 100, p99 is the
 * second slowest, one stray pause: side by side, where p99 is a target, 1,000.
 */
const QUERIES = Number(setting("PARLEY_BENCH_QUERIES", "1000", "100"));
// PARLEY_BENCH_BOTS=10: the chunks spread over that many bots (as on a shared server), questions asked of the first.
const BOTS = Number(setting("PARLEY_BENCH_BOTS", "10", "1"));
const EF_SEARCH = setting("PARLEY_BENCH_EF", String(HNSW_EF_SEARCH), "40,100,200").split(",").map(Number);
/** Chunks stored into the indexed table to time storing, in the product's batches (side by side only). */
const STORED = 2_000;
/** Storing is timed this many times on each side (a new source of STORED chunks each), the median reported: one round's rate moved by a third from run to run. */
const STORE_ROUNDS = 3;
/**
 * The HNSW build's memory: the graph built in memory is several times faster
 * than one that spills (at 60k chunks, 40 s at 512 MB against 100 s at
 * PostgreSQL's default 64 MB).
 */
const BUILD_MEMORY = (process.env.PARLEY_BENCH_BUILD_MEM ?? "512MB").replace(/[^\w]/g, "");
const lexical = createLexicalEmbedder(384);
const meaning = createWordsEmbedder(384);

// A synthetic vocabulary with a Zipf-like distribution gives clustered,
// text-like vectors (uniform random vectors would be an unrealistic worst case).
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const syllables = "ka lo mi ne ru sa te vo zi pa do fe gu hi ja ko lu ma ni po".split(" ");
const vocabulary = Array.from({ length: 5000 }, () =>
  Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(""),
);
const syntheticWord = () => vocabulary[Math.floor(vocabulary.length * random() ** 2.5)]!;
// English: the 50,000 most frequent words of GloVe's list, drawn by Zipf's law (rank r with weight 1 / (r + 1)).
const english = wordVectors().words.slice(0, 50_000);
const englishWord = () => english[Math.floor(Math.exp(random() * Math.log(english.length + 1)) - 1)]!;
let word = syntheticWord;
const sentence = (n: number) => Array.from({ length: n }, () => word()).join(" ");

let manual = manualChunks();
const nextText = (data: Data) => {
  if (data !== "manpages") return sentence(60);
  const next = manual.next();
  if (next.done) throw new Error("this machine's manual pages are too few for that many chunks");
  return next.value;
};

/** A standard normal sample (Box-Muller). */
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const normalize = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const centres = Array.from({ length: 1000 }, () => normalize(Array.from({ length: 384 }, gaussian)));
/** A vector near a random topic centre: cosine to it about 0.8. */
const clustered = () => normalize(centres[Math.floor(random() * centres.length)]!.map((x) => x + gaussian() * 0.04));

const rows: string[][] = [
  [
    "data",
    "chunks",
    "load s",
    "index build s",
    "p50 ms",
    "p99 ms",
    "drawn chunk in top 5",
    "exact p50 ms",
    "product vector p50 ms",
    "product recall@5",
    ...EF_SEARCH.map((ef) => `recall@5 ef=${ef}`),
    ...EF_SEARCH.map((ef) => `vector p50 ef=${ef}`),
  ],
];
const plans: string[] = [];
for (const data of DATA)
  for (const size of SIZES) {
    word = data === "words" ? englishWord : syntheticWord;
    manual = manualChunks();
    const embedder = data === "words" || data === "manpages" ? meaning : lexical;
    const dir = await mkdtemp(path.join(os.tmpdir(), "parley-bench-"));
    const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir: dir, logger: createLogger("silent") });
    const prisma = db.prisma;
    const { workspaceId, owners } = await benchBots(prisma, BOTS);
    const bot = { id: owners[0]!.botId };

    // Bulk load without the index, then build it: how a large import is best done.
    // Bots searched exactly keep their chunks out of the HNSW graph, as the product does.
    const graphed = size / BOTS > EXACT_SEARCH_MAX_CHUNKS;
    const peerRows: PeerRow[] = [];
    let loadMs = 0;
    for (let start = 0; start < size; start += 500) {
      const texts = Array.from({ length: Math.min(500, size - start) }, () => nextText(data));
      const vectors = data !== "clustered" ? await embedder.embed(texts) : texts.map(clustered);
      const owner = owners[(start / 500) % BOTS]!;
      if (SIDE_BY_SIDE) vectors.forEach((v, i) => peerRows.push({ id: start + i, bot: (start / 500) % BOTS, vector: Float32Array.from(v), text: texts[i]! }));
      const batchStart = performance.now();
      const params: unknown[] = [owner.botId, owner.sourceId];
      const values = texts.map((text, i) => {
        params.push(text, start + i, toVectorBinary(vectors[i]!), searchVectorBinary(text));
        const n = params.length;
        return `($1::uuid, $2::uuid, 'TEXT', $${n - 3}, $${n - 2}::int, $${n - 1}::vector, $${n}::tsvector, ${graphed})`;
      });
      // In the graph (built once they are all in) if the bots are large, as foldIntoIndexes leaves them, and in the text index as they go in.
      // Sent as storeChunks sends its rows (db.execute: pg, not Prisma).
      await db.execute(
        `INSERT INTO chunks (bot_id, source_id, source_type, content, chunk_index, embedding, search_vector, in_graph) VALUES ${values.join(",")}`,
        params,
      );
      loadMs += performance.now() - batchStart;
    }
    // What ingestion keeps on each source, and retrieval reads to choose exact or HNSW search.
    const countStart = performance.now();
    await prisma.$executeRawUnsafe("UPDATE sources SET chunk_count = (SELECT count(*) FROM chunks WHERE source_id = sources.id)");
    // Storing alone: embedding the text is the embedder's time, not the store's.
    const loadSeconds = (loadMs + performance.now() - countStart) / 1000;
    const indexStart = performance.now();
    // PARLEY_BENCH_HNSW="m = 32, ef_construction = 128" tries other build settings than the product's (HNSW_BUILD).
    const build = process.env.PARLEY_BENCH_HNSW?.replace(/[^\w\s=,]/g, "") || HNSW_BUILD;
    // Each large bot's own graph, as foldIntoIndexes makes it (botGraph), built once its chunks are in.
    const graphs = graphed ? owners.map(({ botId }) => botGraph(botId, build)) : [];
    // One transaction, for SET LOCAL to reach the build's connection (a pool has several); an hour's timeout.
    await prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL maintenance_work_mem = '${BUILD_MEMORY}'`);
        for (const graph of graphs) await tx.$executeRawUnsafe(graph.create);
      },
      { timeout: 3_600_000 },
    );
    // As after an ingestion: statistics, and the text index's pending list merged in (createChunkMaintenance).
    await createChunkMaintenance(prisma).afterIngestion();
    const indexSeconds = (performance.now() - indexStart) / 1000;
    // What a node must hold: the table with its indexes, and the graphs (kept in memory for a walk in milliseconds).
    const [sizes] = await prisma.$queryRawUnsafe<{ all: bigint; graph: bigint }[]>(
      `SELECT pg_total_relation_size('chunks') AS all, coalesce(sum(pg_relation_size(c.oid)), 0)::bigint AS graph
       FROM pg_class c WHERE c.relname LIKE 'chunks\\_graph\\_%'`,
    );
    const megabytes = (n: bigint) => `${(Number(n) / 2 ** 20).toFixed(0)} MB`;
    console.log(`${data} ${size}: chunks with their indexes ${megabytes(sizes!.all)}, of which the HNSW graphs ${megabytes(sizes!.graph)}`);

    const retrieval = createRetrieval({ prisma, embedder });
    // Visitors ask about what the documents say: 6 words of a stored chunk, in another order, plus 2 others.
    const sample = await prisma.$queryRaw<
      { id: bigint; content: string }[]
    >`SELECT id, content FROM chunks WHERE bot_id = ${bot.id}::uuid ORDER BY random() LIMIT ${QUERIES}`;
    const questions = sample.map(({ content }) => {
      const words = content.split(" ");
      return [...Array.from({ length: 6 }, () => words[Math.floor(random() * words.length)]!), word(), word()].join(" ");
    });
    const questionVectors =
      data !== "clustered"
        ? await embedder.embed(questions)
        : (
            await prisma.$queryRaw<{ v: string }[]>`SELECT embedding::text AS v FROM chunks WHERE bot_id = ${bot.id}::uuid ORDER BY random() LIMIT ${QUERIES}`
          ).map(({ v }) => normalize((JSON.parse(v) as number[]).map((x) => x + gaussian() * 0.03)));
    // The product's searches get a pass of their own: each exact search below
    // reads the whole table and would evict the index between two searches,
    // which nothing in production does.
    // How the planner runs the product's vector half: on the HNSW index, or on the bot's rows, sorted.
    const plan = await prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${nearestSql(bot.id)}`,
      bot.id,
      toVectorLiteral(questionVectors[0]!),
      20,
    );
    plans.push(`${data} ${size}:\n${plan.map((line) => `  ${line["QUERY PLAN"].replace(/'\[[^\]]*\]'::vector/g, "<question>")}`).join("\n")}`);
    // A session's first questions also read the text's statistics and the catalogs (~140 ms, once): five others go first, untimed.
    for (const { content } of await prisma.$queryRaw<
      { content: string }[]
    >`SELECT content FROM chunks WHERE bot_id = ${bot.id}::uuid ORDER BY random() LIMIT 5`)
      await retrieval.retrieve(bot.id, content.split(" ").slice(0, 8).join(" "), { topK: 5, minSimilarity: -1 });
    const timings: number[] = [];
    // Whether the chunk a question was drawn from comes back: what a cap on the text half could cost.
    let drawnFound = 0;
    for (let i = 0; i < QUERIES; i++) {
      const t0 = performance.now();
      const found = await retrieval.search(bot.id, questionVectors[i]!, questions[i]!, { topK: 5, minSimilarity: -1 });
      timings.push(performance.now() - t0);
      if (found.some((chunk) => chunk.id === sample[i]!.id)) drawnFound++;
    }
    // The tail's questions, to see what makes it.
    const slowest = timings
      .map((ms, i) => ({ ms, question: questions[i]! }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3);
    console.log(`${data} ${size}: slowest retrievals: ${slowest.map((s) => `${s.ms.toFixed(1)} ms "${s.question}"`).join("; ")}`);
    // The product's vector half alone (exact or HNSW as the bot's size decides), for its recall and time.
    const nearest: { id: bigint; d: number }[][] = [];
    const nearestTimings: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const n0 = performance.now();
      const found = await prisma.$queryRawUnsafe<{ id: bigint; similarity: number }[]>(nearestSql(bot.id), bot.id, toVectorBinary(questionVectors[i]!), 5);
      nearestTimings.push(performance.now() - n0);
      nearest.push(found.map((r) => ({ id: r.id, d: 1 - Number(r.similarity) })));
    }
    const spread = [50, 90, 95, 99, 100].map((p) => `p${p} ${percentile(nearestTimings, p).toFixed(1)}`).join(", ");
    console.log(`${data} ${size}: the vector half over ${QUERIES} questions: ${spread} ms`);
    const exactTimings: number[] = [];
    const exactResults: { id: bigint; d: number }[][] = [];
    for (let i = 0; i < QUERIES; i++) {
      const q = toVectorLiteral(questionVectors[i]!);
      const e0 = performance.now();
      const [, exact] = await prisma.$transaction([
        prisma.$executeRaw`SET LOCAL enable_indexscan = off`,
        prisma.$queryRaw<
          { id: bigint; d: number }[]
        >`SELECT id, (embedding <=> ${q}::vector)::float8 AS d FROM chunks WHERE bot_id = ${bot.id}::uuid ORDER BY embedding <=> ${q}::vector LIMIT 5`,
      ]);
      exactTimings.push(performance.now() - e0);
      exactResults.push(exact);
    }
    const nearestHits = nearest.reduce((sum, found, i) => sum + found.filter((r) => r.d <= exactResults[i]!.at(-1)!.d + 1e-6).length, 0);
    const recall: string[] = [];
    const vectorP50: string[] = [];
    for (const ef of EF_SEARCH) {
      // No graph to walk: the bots are searched exactly.
      if (!graphed) {
        recall.push("-");
        vectorP50.push("-");
        continue;
      }
      let hits = 0;
      const vectorTimings: number[] = [];
      for (let i = 0; i < QUERIES; i++) {
        const q = toVectorLiteral(questionVectors[i]!);
        const v0 = performance.now();
        const [, , approximate] = await prisma.$transaction([
          prisma.$executeRaw`SET LOCAL hnsw.iterative_scan = relaxed_order`,
          prisma.$executeRawUnsafe(`SET LOCAL hnsw.ef_search = ${ef}`),
          prisma.$queryRawUnsafe<{ id: bigint; d: number }[]>(
            `SELECT id, (embedding <=> $1::vector)::float8 AS d FROM chunks WHERE ${botGraph(bot.id).predicate} ORDER BY embedding <=> $1::vector LIMIT 5`,
            q,
          ),
        ]);
        vectorTimings.push(performance.now() - v0);
        // A result as close as the exact 5th is as good as it (text-like data has ties).
        const fifth = exactResults[i]!.at(-1)!.d;
        hits += approximate.filter((r) => r.d <= fifth + 1e-9).length;
      }
      recall.push((hits / (QUERIES * 5)).toFixed(3));
      vectorP50.push(percentile(vectorTimings, 50).toFixed(1));
    }
    rows.push([
      data,
      String(size),
      loadSeconds.toFixed(1),
      indexSeconds.toFixed(1),
      percentile(timings, 50).toFixed(1),
      percentile(timings, 99).toFixed(1),
      data === "clustered" ? "-" : (drawnFound / QUERIES).toFixed(2),
      percentile(exactTimings, 50).toFixed(1),
      percentile(nearestTimings, 50).toFixed(1),
      (nearestHits / (QUERIES * 5)).toFixed(3),
      ...recall,
      ...vectorP50,
    ]);
    console.log(rows.at(-1)!.join("  "));
    if (SIDE_BY_SIDE) {
      const parley = { loadSeconds, indexSeconds, vectorP50: percentile(nearestTimings, 50), vectorP99: percentile(nearestTimings, 99) };
      const recallAt5 = nearestHits / (QUERIES * 5);
      const hybrid = { p50: percentile(timings, 50), p99: percentile(timings, 99) };
      const stored = await timeStoring(db, owners[1] ?? owners[0]!, data, embedder);
      const peerQuestions = questionVectors.map((v, i) => ({ bot: 0, vector: Float32Array.from(v), text: questions[i]! }));
      // LanceDB's fastest setting at a recall at least Parley's (and at least 0.95).
      const peer = await measureLanceDb(peerRows, stored.rounds, peerQuestions, { targetRecall: Math.max(0.95, recallAt5) });
      // The same rows with their text and its full-text index, as Parley stores them, at the setting chosen above.
      const withText = await measureLanceDb(peerRows, stored.rounds, peerQuestions, { text: true, efs: [peer.ef], refines: [peer.refine] });
      printSideBySide(
        size,
        db.kind,
        {
          ...parley,
          recallAt5,
          hybrid,
          storeVectorsPerSecond: stored.perSecond,
          storeRates: stored.rates,
          storeFloor: stored.floor,
          foldSeconds: stored.foldSeconds,
        },
        peer,
        withText,
      );
    }
    // A PostgreSQL database outlives the run: what the bench stored goes (its chunks with their workspace).
    if (process.env.DATABASE_URL) await prisma.workspace.delete({ where: { id: workspaceId } });
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }

console.log(`\nThe vector half's plan (${BOTS} bot${BOTS > 1 ? "s" : ""}, the first asked):\n${plans.join("\n")}`);
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log("");
for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i]!)).join("  "));
console.log(`\np50/p99: one retrieval as the product runs it (HNSW with ef_search=${HNSW_EF_SEARCH} + full text + fusion), question already embedded.`);
console.log(`drawn chunk in top 5: share of questions whose own chunk (6 of its words, reordered, and 2 others) the retrieval returns.`);
console.log(`product vector: the product's vector half alone (exact below ${EXACT_SEARCH_MAX_CHUNKS} chunks a bot, else HNSW), top 5 against exact top 5.`);
console.log(`recall@5: HNSW top 5 against exact top 5, per ef_search; vector p50: the HNSW query alone.`);

/**
 * The product's storing into the indexed table (storeChunks, its adaptive
 * batches): STORE_ROUNDS new sources of the same STORED chunks for a large bot,
 * embedding and text entries excluded (the extraction worker makes both off
 * the server's thread), each answerable when it returns and timed apart; then
 * the fold that puts them all into the HNSW graph and the text index, timed apart (LanceDB's
 * optimize is its counterpart).
 */
async function timeStoring(
  db: Awaited<ReturnType<typeof openDatabase>>,
  owner: { botId: string },
  data: Data,
  embedder: typeof meaning,
): Promise<{ perSecond: number; rates: number[]; floor: number; foldSeconds: number; rounds: PeerRow[][] }> {
  const rates: number[] = [];
  const rounds: PeerRow[][] = [];
  // The same chunks each round, as sources of their own (the manual pages hold few more than the 100k loaded).
  const texts = Array.from({ length: STORED }, () => nextText(data));
  const vectors = data !== "clustered" ? await embedder.embed(texts) : texts.map(clustered);
  for (let round = 0; round < STORE_ROUNDS; round++) {
    const source = await db.prisma.source.create({ data: { botId: owner.botId, kind: "TEXT", connector: "text", name: `stored ${round}` } });
    // Each with its text index entry, as the extraction worker makes them beside the vectors.
    const drafts = texts.map((content, index) => ({ content, index, metadata: { source: "stored" }, searchVector: searchVectorBinary(content) }));
    // The vectors as the product holds them (one Float32Array), made before the clock as the embedder's are.
    const flat = Float32Array.from(vectors.flat());
    const start = performance.now();
    await storeChunks(db, source, drafts, flat, { contentHash: "bench", title: null, embeddingModel: embedder.model });
    rates.push(STORED / ((performance.now() - start) / 1000));
    rounds.push(vectors.map((v, i) => ({ id: 1e9 + round * STORED + i, bot: 1, vector: Float32Array.from(v), text: texts[i]! })));
  }
  const floor = await timeFloor(db, owner, texts, vectors);
  const foldStart = performance.now();
  await foldIntoIndexes(db.prisma, owner.botId);
  const foldSeconds = (performance.now() - foldStart) / 1000;
  return { perSecond: percentile(rates, 50), rates, floor, foldSeconds, rounds };
}

/**
 * The database's floor under storing: the same rows into the same table
 * with its indexes, every parameter made before the clock, in statements of
 * 100 rows and nothing else (no pacing, no generation switch, no clean-up),
 * STORE_ROUNDS times; the median. What storeChunks adds is the distance to it.
 * The rows are deleted after (untimed), so that the fold is LanceDB's
 * optimize's counterpart.
 */
async function timeFloor(db: Awaited<ReturnType<typeof openDatabase>>, owner: { botId: string }, texts: string[], vectors: number[][]): Promise<number> {
  const source = await db.prisma.source.create({ data: { botId: owner.botId, kind: "TEXT", connector: "text", name: "floor" } });
  const statements: { sql: string; params: unknown[] }[] = [];
  for (let start = 0; start < texts.length; start += 100) {
    const params: unknown[] = [owner.botId, source.id];
    const values = texts.slice(start, start + 100).map((text, i) => {
      params.push(text, start + i, toVectorBinary(vectors[start + i]!), JSON.stringify({ source: "stored" }), searchVectorBinary(text));
      const n = params.length;
      return `($1::uuid, $2::uuid, 'TEXT', 1, false, $${n - 4}, $${n - 3}::int, $${n - 2}::vector, $${n - 1}::jsonb, $${n}::tsvector)`;
    });
    statements.push({
      // Outside the text index, as storeChunks stores a large bot's chunks.
      sql: `INSERT INTO chunks (bot_id, source_id, source_type, generation, in_text_index, content, chunk_index, embedding, metadata, search_vector) VALUES ${values.join(",")}`,
      params,
    });
  }
  const rates: number[] = [];
  for (let round = 0; round < STORE_ROUNDS; round++) {
    const start = performance.now();
    for (const { sql, params } of statements) await db.execute(sql, params);
    rates.push(texts.length / ((performance.now() - start) / 1000));
  }
  await db.prisma.source.delete({ where: { id: source.id } });
  return percentile(rates, 50);
}

interface ParleyFigures {
  loadSeconds: number;
  indexSeconds: number;
  vectorP50: number;
  vectorP99: number;
  recallAt5: number;
  hybrid: { p50: number; p99: number };
  storeVectorsPerSecond: number;
  storeRates: number[];
  /** The database's own rate for the same rows (timeFloor). */
  storeFloor: number;
  foldSeconds: number;
}

function printSideBySide(n: number, kind: "pglite" | "postgres", parley: ParleyFigures, peer: PeerFigures, withText: PeerFigures): void {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const s = (x: number) => `${x.toFixed(1)} s`;
  const lines: [string, string, string][] = [
    ["", `Parley (${kind === "pglite" ? "PGlite" : "PostgreSQL"} + pgvector)`, "LanceDB 0.39"],
    ["filtered top-5 vector query p50", ms(parley.vectorP50), `${ms(peer.vectorP50)} (ef ${peer.ef}${peer.refine > 1 ? `, refine ${peer.refine}` : ""})`],
    ["  p99", ms(parley.vectorP99), ms(peer.vectorP99)],
    ["  recall@5 against exact", parley.recallAt5.toFixed(3), peer.recallAt5.toFixed(3)],
    [
      "hybrid retrieval (vector + text) p50 / p99",
      `${ms(parley.hybrid.p50)} / ${ms(parley.hybrid.p99)}`,
      `${ms(withText.hybrid!.p50)} / ${ms(withText.hybrid!.p99)} (its FTS index, RRF)`,
    ],
    [
      `storing into the indexed table (median of ${STORE_ROUNDS} x ${STORED})`,
      `${parley.storeVectorsPerSecond.toFixed(0)} vectors/s (+${s(parley.foldSeconds)} to index them)`,
      `${peer.storeVectorsPerSecond.toFixed(0)} vectors/s (+${s(peer.optimizeSeconds)} to index them)`,
    ],
    ["  each round", parley.storeRates.map((r) => r.toFixed(0)).join(" / "), peer.storeRates.map((r) => r.toFixed(0)).join(" / ")],
    ["  the database alone, rows made before the clock", `${parley.storeFloor.toFixed(0)} vectors/s (the floor)`, ""],
    [
      `first ingestion of ${n}: load + index build`,
      `${s(parley.loadSeconds)} + ${s(parley.indexSeconds)} (${BUILD_MEMORY})`,
      `${s(peer.loadSeconds)} + ${s(peer.indexSeconds)}`,
    ],
    ["with their text and its full-text index, as Parley's rows:", "", ""],
    [
      `  storing into the indexed table (median of ${STORE_ROUNDS} x ${STORED})`,
      `${parley.storeVectorsPerSecond.toFixed(0)} vectors/s`,
      `${withText.storeVectorsPerSecond.toFixed(0)} vectors/s (+${s(withText.optimizeSeconds)} to index them)`,
    ],
    ["    each round", "", withText.storeRates.map((r) => r.toFixed(0)).join(" / ")],
    [`  first ingestion of ${n}: load + index build`, "", `${s(withText.loadSeconds)} + ${s(withText.indexSeconds)}`],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...lines.map((l) => l[i]!.length)));
  console.log("\nSide by side, the same vectors, this run:");
  for (const line of lines) console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
  console.log(
    `LanceDB's ef sweep: ${peer.sweep.map((p) => `ef ${p.ef}${p.refine > 1 ? ` refine ${p.refine}` : ""}: p50 ${ms(p.p50)}, recall ${p.recall.toFixed(3)}`).join("; ")}`,
  );
  const round = (x: number, digits = 1) => Number(x.toFixed(digits));
  console.log(
    JSON.stringify({
      n,
      vector_p50_ms: round(parley.vectorP50),
      vector_p99_ms: round(parley.vectorP99),
      recall_at_5: round(parley.recallAt5, 3),
      lancedb_vector_p50_ms: round(peer.vectorP50),
      lancedb_vector_p99_ms: round(peer.vectorP99),
      lancedb_recall_at_5: round(peer.recallAt5, 3),
      hybrid_p50_ms: round(parley.hybrid.p50),
      hybrid_p99_ms: round(parley.hybrid.p99),
      store_vectors_per_s: round(parley.storeVectorsPerSecond, 0),
      lancedb_store_vectors_per_s: round(peer.storeVectorsPerSecond, 0),
      store_floor_vectors_per_s: round(parley.storeFloor, 0),
      store_then_index_s: round(parley.foldSeconds),
      lancedb_store_then_index_s: round(peer.optimizeSeconds),
      first_ingest_s: round(parley.loadSeconds + parley.indexSeconds),
      lancedb_first_ingest_s: round(peer.firstIngestSeconds),
      // LanceDB with each row's text and its full-text index, as Parley's rows are stored.
      lancedb_with_text_store_vectors_per_s: round(withText.storeVectorsPerSecond, 0),
      lancedb_with_text_first_ingest_s: round(withText.firstIngestSeconds),
      lancedb_hybrid_p50_ms: round(withText.hybrid!.p50),
      lancedb_hybrid_p99_ms: round(withText.hybrid!.p99),
    }),
  );
}
