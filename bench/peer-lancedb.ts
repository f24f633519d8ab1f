/**
 * The embedded peer store, LanceDB (what AnythingLLM stores its vectors in),
 * on the same vectors as Parley's bench in the same run: first ingestion with
 * its HNSW index built, storing into the indexed table, and the filtered
 * top-5 query with its recall against its own exact search. A development
 * dependency of the benches only; nothing in the product imports it.
 *
 * The index is the one a user would pick for latency at high recall: IVF with
 * one partition (a plain HNSW graph, scalar-quantised), cosine distance, a
 * b-tree index on the bot column for the filter, which LanceDB applies before
 * the vector search. ef is swept, with and without re-ranking on the full
 * vectors (refineFactor: scalar quantisation alone caps recall near 0.8 on
 * text; 2 and 4 re-rank fewer); the figure reported is the fastest setting
 * whose recall reaches the target (Parley's own recall, when above 0.95:
 * "at equal or better recall"), else the most accurate.
 *
 * With `text`, each row also holds its chunk's text with LanceDB's full-text
 * index on it, as Parley's rows hold theirs with a GIN index: the same rows
 * and the same two searches, so storing and first ingestion compare like
 * with like, and the hybrid query (vector and text, fused by LanceDB's
 * reciprocal-rank reranker) is timed beside Parley's. Without it (the
 * default), the vectors alone, as the issue first measured LanceDB.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import * as lancedb from "@lancedb/lancedb";
import { percentile } from "./stats.js";

export interface PeerRow {
  id: number;
  bot: number;
  vector: Float32Array;
  text: string;
}

export interface PeerFigures {
  firstIngestSeconds: number;
  loadSeconds: number;
  indexSeconds: number;
  storeVectorsPerSecond: number;
  /** Folding the stored rows into the index afterwards (LanceDB searches them unindexed until then). */
  optimizeSeconds: number;
  /** Each storing round's rate (the median is storeVectorsPerSecond). */
  storeRates: number[];
  ef: number;
  refine: number;
  vectorP50: number;
  vectorP99: number;
  recallAt5: number;
  sweep: { ef: number; refine: number; p50: number; p99: number; recall: number }[];
  /** The hybrid query at the chosen ef and refine (rows with their text only). */
  hybrid?: { p50: number; p99: number };
}

const LOAD_BATCH = 5_000;
const recordOf =
  (text: boolean) =>
  ({ id, bot, vector, text: content }: PeerRow) =>
    text ? { id, bot, vector: Array.from(vector), text: content } : { id, bot, vector: Array.from(vector) };

type Question = { bot: number; vector: Float32Array; text: string };

export async function measureLanceDb(
  rows: PeerRow[],
  extra: PeerRow[][],
  questions: Question[],
  { efs = [100, 200, 400, 800], refines = [1, 2, 4, 10], targetRecall = 0.95, text = false } = {},
): Promise<PeerFigures> {
  const record = recordOf(text);
  const dir = await mkdtemp(path.join(os.tmpdir(), "parley-lancedb-"));
  try {
    const db = await lancedb.connect(dir);
    const start = performance.now();
    const table = await db.createTable("chunks", rows.slice(0, LOAD_BATCH).map(record));
    for (let at = LOAD_BATCH; at < rows.length; at += LOAD_BATCH) await table.add(rows.slice(at, at + LOAD_BATCH).map(record));
    const loaded = performance.now();
    await table.createIndex("vector", { config: lancedb.Index.hnswSq({ distanceType: "cosine", numPartitions: 1 }) });
    await table.createIndex("bot", { config: lancedb.Index.btree() });
    // Positions kept, as a tsvector keeps them (Parley's phrase queries use them).
    if (text) await table.createIndex("text", { config: lancedb.Index.fts({ withPosition: true }) });
    const indexed = performance.now();

    // Storing into the indexed table, in the batches Parley stores in: each round as Parley's, timed apart.
    const storeRates: number[] = [];
    for (const round of extra) {
      const storeStart = performance.now();
      for (let at = 0; at < round.length; at += 500) await table.add(round.slice(at, at + 500).map(record));
      storeRates.push(round.length / ((performance.now() - storeStart) / 1000));
    }
    const optimizeStart = performance.now();
    await table.optimize();
    const optimizeSeconds = (performance.now() - optimizeStart) / 1000;
    const stored = { firstIngestSeconds: (indexed - start) / 1000, loadSeconds: (loaded - start) / 1000, indexSeconds: (indexed - loaded) / 1000 };

    const nearest = (q: (typeof questions)[number]) => table.vectorSearch(Array.from(q.vector)).where(`bot = ${q.bot}`).limit(5);
    const exact: number[][] = [];
    for (const q of questions) exact.push((await nearest(q).bypassVectorIndex().toArray()).map((r: { _distance: number }) => r._distance));
    const sweep: PeerFigures["sweep"] = [];
    for (const refine of refines)
      for (const ef of efs) {
        let hits = 0;
        const times: number[] = [];
        for (const [i, q] of questions.entries()) {
          const t0 = performance.now();
          const query = nearest(q).ef(ef);
          const found: { _distance: number }[] = await (refine > 1 ? query.refineFactor(refine) : query).toArray();
          times.push(performance.now() - t0);
          // As close as the exact fifth is as good as it (text-like data has ties), as Parley's recall counts.
          hits += found.filter((r) => r._distance <= exact[i]!.at(-1)! + 1e-6).length;
        }
        sweep.push({ ef, refine, p50: percentile(times, 50), p99: percentile(times, 99), recall: hits / (questions.length * 5) });
      }
    const good = sweep.filter((s) => s.recall >= targetRecall);
    const chosen = good.length ? good.reduce((a, b) => (b.p50 < a.p50 ? b : a)) : sweep.reduce((a, b) => (b.recall > a.recall ? b : a));
    return {
      ...stored,
      hybrid: text ? await timeHybrid(table, questions, chosen) : undefined,
      storeVectorsPerSecond: percentile(storeRates, 50),
      storeRates,
      optimizeSeconds,
      ef: chosen.ef,
      refine: chosen.refine,
      vectorP50: chosen.p50,
      vectorP99: chosen.p99,
      recallAt5: chosen.recall,
      sweep,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * LanceDB's hybrid query as its documentation shows it: the vector search and
 * the full-text search of the question in one query, filtered by bot, fused
 * by reciprocal rank (k 60, as Parley's), top 5.
 */
async function timeHybrid(table: lancedb.Table, questions: Question[], { ef, refine }: { ef: number; refine: number }): Promise<{ p50: number; p99: number }> {
  const reranker = await lancedb.rerankers.RRFReranker.create(60);
  const times: number[] = [];
  for (const q of questions) {
    const t0 = performance.now();
    const query = table.query().nearestTo(Array.from(q.vector)).ef(ef).where(`bot = ${q.bot}`).fullTextSearch(q.text).rerank(reranker).limit(5);
    await (refine > 1 ? query.refineFactor(refine) : query).toArray();
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}
