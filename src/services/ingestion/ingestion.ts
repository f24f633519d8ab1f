import type { PrismaClient, Source } from "@prisma/client";
import type { ExtractContext } from "../../../connectors/index.js";
import type { Config } from "../../config.js";
import type { Database } from "../../db/index.js";
import type { DatabasePriority } from "../../db/priority.js";
import { searchVectorBinary } from "../../db/text-search.js";
import { botGraph, EXACT_SEARCH_MAX_CHUNKS, toVectorBinary } from "../../db/vector.js";
import type { Embedder } from "../../providers/embeddings.js";
import type { SourceEvents } from "./events.js";
import { chunkingOf, embedChunks, type ChunkDraft, type ExtractionTask, type OnProgress } from "./extraction.js";
import type { ExtractionPool } from "./extraction-pool.js";
import { readFile } from "./files.js";
import { finishSync, knownPages, liveChunkCount, recordFailedSync, type SyncSummary } from "./page-sync.js";
import type { KnownPageState } from "./pages.js";

export { cleanText, splitSections, type ChunkDraft } from "./extraction.js";

export interface IngestionResult {
  chunkCount: number;
  /** True when the content was unchanged and nothing was embedded. */
  unchanged: boolean;
  /** A link's sync: what it added, changed and removed (its history entry). */
  sync?: SyncSummary;
}

export interface StoreOptions {
  /**
   * Chunk rows per statement, each its own short transaction. @default
   * adaptive: as many as take about TARGET_STATEMENT_MS (a chunk costs about
   * 0.3 ms to store on PGlite, and 1 to 4 ms more to fold into the HNSW graph,
   * more as the graph grows and its neighbours crowd).
   */
  batchSize?: number;
  /** Awaited before every batch: where interactive work goes first. */
  beforeBatch?: () => Promise<void>;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Extract → clean → split → embed → store, for one source. The first steps
 * run in a worker process (extraction-pool.ts); this side embeds with a model
 * server when there is one, and stores in short batches (storeChunks).
 */
export function createIngestion({
  prisma,
  execute,
  config,
  embedder,
  events,
  pool,
  priority,
}: ChunkWriter & {
  config: Pick<Config, "ALLOW_PRIVATE_URLS" | "CHUNK_OVERLAP" | "CHUNK_SIZE" | "MAX_EXTRACTED_BYTES">;
  embedder: Embedder;
  events: SourceEvents;
  pool: ExtractionPool;
  priority?: DatabasePriority;
}) {
  const web: ExtractContext["web"] = { allowPrivateUrls: config.ALLOW_PRIVATE_URLS, timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 };
  /** One per ingestion: before each batch, give way to what else is waiting. */
  function yieldsBetweenBatches(): () => Promise<void> {
    let batchStarted = performance.now();
    return async () => {
      // The event loop serves whatever else is waiting, then interactive work goes first.
      await new Promise((resolve) => setImmediate(resolve));
      await priority?.background(performance.now() - batchStarted);
      batchStarted = performance.now();
    };
  }

  /** What decides chunks besides the text; a link's pages made with other settings are read and embedded again. */
  const settings = { chunkSize: config.CHUNK_SIZE, chunkOverlap: config.CHUNK_OVERLAP, embeddingModel: embedder.model };
  const chunking = chunkingOf(settings);

  function taskFor(source: Source, bytes: Uint8Array | null, force: boolean, known?: Record<string, KnownPageState>): ExtractionTask {
    return {
      connector: source.connector,
      input: {
        kind: source.kind,
        name: source.name,
        mimeType: source.mimeType,
        ...(bytes && { bytes }),
        url: source.url,
        options: source.options as Record<string, unknown>,
      },
      web,
      ...settings,
      maxExtractedBytes: config.MAX_EXTRACTED_BYTES,
      embedHere: embedder.embedded ? { kind: embedder.embedded, dimension: embedder.dimension } : null,
      previousHash: !force && source.lastSyncedAt ? source.contentHash : null,
      ...(known && { known }),
    };
  }

  async function ingest(sourceId: string, signal: AbortSignal, options: { force?: boolean } = {}): Promise<IngestionResult> {
    const source = await prisma.source.findUniqueOrThrow({ where: { id: sourceId } });
    const startedAt = new Date();
    const link = source.kind === "LINK";
    try {
      // A link is asked only for what changed since its last sync, unless a full read is forced.
      const known = link && !options.force ? await knownPages(prisma, sourceId, chunking) : undefined;
      return await ingestVersion(source, known, startedAt, signal, options.force ?? false);
    } catch (error) {
      // A stop is not the sync's failure: it runs again.
      if (link && !signal.aborted) await recordFailedSync(prisma, sourceId, startedAt, error).catch(() => {});
      throw error;
    }
  }

  async function ingestVersion(source: Source, known: Record<string, KnownPageState> | undefined, startedAt: Date, signal: AbortSignal, force: boolean) {
    const sourceId = source.id;
    const bytes = await readFile(prisma, sourceId);
    const beforeBatch = yieldsBetweenBatches();
    const progress: OnProgress = (step, done, total, unit) =>
      events.publish({ botId: source.botId, sourceId, status: "PROCESSING", progress: { step, done, total, unit } });
    const intoIndexes = () =>
      foldIntoIndexes(prisma, source.botId, { beforeBatch, signal, onProgress: (done, total) => progress("indexing", done, total, "chunks") });
    const result = await pool.run(taskFor(source, bytes, force, known), signal, progress);
    signal.throwIfAborted();
    const title = result.title ?? source.title;
    if (result.unchanged) {
      await prisma.source.update({ where: { id: sourceId }, data: { lastSyncedAt: new Date(), title, embeddingModel: embedder.model } });
      // An attempt that died after its switch left the old generation behind, and perhaps chunks outside the indexes.
      await deleteStaleChunks(prisma, source, { beforeBatch });
      await intoIndexes();
      const sync = result.pages && (await finishSync(prisma, sourceId, { startedAt, chunking }, result.pages, 0));
      return { chunkCount: source.chunkCount, unchanged: true, ...(sync && { sync }) };
    }
    const vectors = result.vectors ?? (await embedChunks(embedder, result.chunks, signal, progress));
    signal.throwIfAborted();
    const { pages } = result;
    // An incremental sync keeps the unchanged pages' chunks beside the new ones.
    const chunkCount = pages?.incremental ? liveChunkCount(pages) : result.chunks.length;
    const version = { contentHash: result.contentHash, title, embeddingModel: embedder.model };
    await storeChunks(
      { prisma, execute },
      source,
      result.chunks,
      vectors,
      pages?.incremental ? { ...version, pages: { retire: pages.retire, chunkCount } } : version,
      {
        beforeBatch,
        signal,
        onProgress: (done, total) => progress("storing", done, total, "chunks"),
      },
    );
    // Answerable already (read beside the indexes until then): the indexes are for a large bot's next questions.
    await intoIndexes();
    const sync = pages && (await finishSync(prisma, sourceId, { startedAt, chunking }, pages, result.chunks.length));
    return { chunkCount, unchanged: false, ...(sync && { sync }) };
  }

  return { ingest };
}

export type Ingestion = ReturnType<typeof createIngestion>;

/** How long one write statement of ingestion should hold the database (on PGlite, its one session: everyone waits behind it). */
export const TARGET_STATEMENT_MS = 20;

/**
 * Batch sizes that follow the time their statements take: a fixed size is
 * too long a statement on a slow disk or a big index, too many on a fast one.
 * A statement's time includes waiting for the database behind other
 * requests' statements, which says nothing of its own cost: the cost per row
 * is the least of the last few seen.
 */
function createPacer(fixed: number | undefined, { initial = 8, max = 128 } = {}) {
  let size = fixed ?? initial;
  const costs: number[] = [];
  return {
    get size() {
      return size;
    },
    async time<T>(rows: number, fn: () => Promise<T>): Promise<T> {
      const started = performance.now();
      const result = await fn();
      if (fixed === undefined && rows > 0) {
        costs.push(Math.max(performance.now() - started, 0.5) / rows);
        if (costs.length > 8) costs.shift();
        const wanted = TARGET_STATEMENT_MS / Math.min(...costs);
        // Grow by a quarter at most, as costs vary from row to row; shrink as soon as the least cost rises.
        size = Math.max(1, Math.min(max, Math.round(Math.min(wanted, size * 1.25))));
      }
      return result;
    },
  };
}

/** Where storeChunks writes: Prisma for its few statements, `execute` for the chunks' rows. */
export type ChunkWriter = Pick<Database, "prisma" | "execute">;

/** What a stored version says about itself. */
export interface StoredVersion {
  contentHash: string;
  title: string | null;
  embeddingModel: string;
  /**
   * A link's incremental sync: the pages (metadata.url) whose chunks this
   * version replaces or drops, the others' chunks staying as they are, and
   * the source's chunk count after it. Absent: every chunk is replaced.
   */
  pages?: { retire: string[]; chunkCount: number };
}

/**
 * Stores a source's new chunks without one long transaction: they are
 * written in short batches under the next generation, which readers do not
 * see (visibleChunkSql); the chunks of pages that changed are marked retired
 * in it; one statement then makes it current, and what readers no longer see
 * is deleted in batches. Readers see the old version or the new one, never
 * half and never nothing; an attempt that dies between batches leaves the old
 * version answering, and the next attempt first clears what it left.
 */
export async function storeChunks(
  { prisma, execute }: ChunkWriter,
  source: Pick<Source, "id" | "botId" | "kind" | "generation" | "floorGeneration">,
  chunks: ChunkDraft[],
  vectors: Float32Array,
  version: StoredVersion,
  { batchSize, beforeBatch = async () => {}, signal, onProgress }: StoreOptions = {},
): Promise<void> {
  const next = source.generation + 1;
  await deleteStaleChunks(prisma, source, { batchSize, beforeBatch });
  const firstIndex = version.pages ? await nextChunkIndex(prisma, source.id) : 0;
  const inTextIndex = !(await largeAfter(prisma, source, version.pages?.chunkCount ?? chunks.length));
  const rows = chunkRows(chunks, vectors, firstIndex);
  const pacer = createPacer(batchSize);
  const columns = `INSERT INTO chunks (bot_id, source_id, source_type, generation, in_text_index, content, chunk_index, embedding, metadata, page_url, search_vector) VALUES `;
  for (let start = 0, size = pacer.size; start < chunks.length; start += size, size = pacer.size) {
    await beforeBatch();
    signal?.throwIfAborted();
    const params: unknown[] = [source.botId, source.id, source.kind, next, inTextIndex];
    const values: string[] = [];
    for (let i = start; i < Math.min(start + size, chunks.length); i++) {
      const n = params.push(...rows.take(i));
      values.push(
        `($1::uuid, $2::uuid, $3::"SourceKind", $4::int, $5::boolean, $${n - 5}, $${n - 4}::int, $${n - 3}::vector, $${n - 2}::jsonb, $${n - 1}, $${n}::tsvector)`,
      );
    }
    await Promise.all([
      pacer.time(values.length, () => execute(columns + values.join(","), params)),
      // The statement on its way, the next one's rows (as many as it may grow to) are made while the database writes this one.
      new Promise((resolve) => setImmediate(resolve)).then(() => rows.make(start + size, start + size + Math.ceil(size * 1.25))),
    ]);
    onProgress?.(Math.min(start + size, chunks.length), chunks.length);
  }
  await beforeBatch();
  signal?.throwIfAborted();
  // Few rows: the pages that changed or went.
  if (version.pages?.retire.length) {
    await prisma.$executeRaw`
      UPDATE chunks SET retired_in = ${next} WHERE source_id = ${source.id}::uuid AND generation <= ${source.generation}
        AND retired_in IS NULL AND page_url = ANY(${version.pages.retire}::text[])`;
  }
  const floor = version.pages ? source.floorGeneration : next;
  const { count } = await prisma.source.updateMany({
    where: { id: source.id, generation: source.generation },
    data: {
      generation: next,
      floorGeneration: floor,
      contentHash: version.contentHash,
      title: version.title,
      embeddingModel: version.embeddingModel,
      chunkCount: version.pages?.chunkCount ?? chunks.length,
      // The status stays PROCESSING: the job says SYNCED when it is done (jobs.ts), in the statement that ends it.
      lastSyncedAt: new Date(),
    },
  });
  // Deleted meanwhile (its chunks went with it), or switched by another attempt.
  if (!count) throw new Error(`source ${source.id} changed while its chunks were stored`);
  await deleteStaleChunks(prisma, { id: source.id, generation: next, floorGeneration: floor }, { batchSize, beforeBatch });
}

/** The chunk's text index entry as `pg` sends a parameter in binary (a Buffer): the worker's, or made here. */
function searchVectorOf({ content, searchVector }: ChunkDraft): Buffer {
  if (!searchVector) return searchVectorBinary(content);
  // A Buffer crosses from the worker process as a plain Uint8Array: the same bytes, not copied.
  return Buffer.isBuffer(searchVector) ? searchVector : Buffer.from(searchVector.buffer, searchVector.byteOffset, searchVector.byteLength);
}

/**
 * The parameters of each chunk's row, made on demand or ahead (make): the
 * vector and the text's index entry in their binary forms. Taken once each.
 */
function chunkRows(chunks: ChunkDraft[], vectors: Float32Array, firstIndex: number) {
  const dimension = chunks.length ? vectors.length / chunks.length : 0;
  const made = new Map<number, unknown[]>();
  const row = (i: number) => {
    const chunk = chunks[i]!;
    const vector = toVectorBinary(vectors.subarray(i * dimension, (i + 1) * dimension));
    return [chunk.content, firstIndex + chunk.index, vector, JSON.stringify(chunk.metadata), chunk.metadata.url ?? null, searchVectorOf(chunk)];
  };
  return {
    make(from: number, to: number) {
      for (let i = from; i < Math.min(to, chunks.length); i++) if (!made.has(i)) made.set(i, row(i));
    },
    take(i: number): unknown[] {
      const taken = made.get(i) ?? row(i);
      made.delete(i);
      return taken;
    },
  };
}

/**
 * Whether the source's bot has more than EXACT_SEARCH_MAX_CHUNKS chunks once
 * the source holds `count`: then its chunks are stored outside the text
 * index, as they are outside the graph, and go into both at once when folded
 * (foldIntoIndexes): a row folded in is written again, and indexed again.
 */
async function largeAfter(prisma: PrismaClient, source: Pick<Source, "id" | "botId">, count: number): Promise<boolean> {
  const [row] = await prisma.$queryRaw<{ large: boolean }[]>`
    SELECT coalesce(sum(chunk_count) FILTER (WHERE id <> ${source.id}::uuid), 0) + ${count} > ${EXACT_SEARCH_MAX_CHUNKS} AS large
    FROM sources WHERE bot_id = ${source.botId}::uuid`;
  return row?.large ?? false;
}

/**
 * Puts a bot's chunks that are outside its indexes into them, in short paced
 * batches (an HNSW insert costs 1 to 4 ms on PGlite): a large bot's outside
 * its HNSW graph (those storeChunks just wrote, and all the bot's when it has
 * just grown past EXACT_SEARCH_MAX_CHUNKS, when its graph, botGraph, is made
 * empty) go into the graph and the text index at once; a small bot's never
 * go into a graph (it is searched exactly), and are outside the text index
 * only if storeChunks took the bot for large (it shrank meanwhile). Until
 * they are in, retrieval reads them beside the indexes, so an interrupted
 * fold costs time, never answers; the bot's next sync goes on with it.
 * Resolves to how many went in.
 */
export async function foldIntoIndexes(
  prisma: PrismaClient,
  botId: string,
  { batchSize, beforeBatch = async () => {}, signal, onProgress }: StoreOptions = {},
): Promise<number> {
  const [size] = await prisma.$queryRaw<{ large: boolean; outside: number }[]>`
    SELECT large, CASE WHEN large THEN (SELECT count(*) FROM chunks WHERE bot_id = ${botId}::uuid AND NOT in_graph)
                       ELSE (SELECT count(*) FROM chunks WHERE bot_id = ${botId}::uuid AND NOT in_text_index) END::int AS outside
    FROM (SELECT coalesce(sum(chunk_count), 0) > ${EXACT_SEARCH_MAX_CHUNKS} AS large FROM sources WHERE bot_id = ${botId}::uuid) bot`;
  if (!size?.outside) return 0;
  if (size.large) await createGraph(prisma, botId);
  const pacer = createPacer(batchSize);
  for (let folded = 0; ;) {
    await beforeBatch();
    signal?.throwIfAborted();
    const limit = pacer.size;
    const count = await pacer.time(limit, () =>
      size.large
        ? prisma.$executeRaw`
            UPDATE chunks SET in_graph = true, in_text_index = true
            WHERE id IN (SELECT id FROM chunks WHERE bot_id = ${botId}::uuid AND NOT in_graph LIMIT ${limit})`
        : prisma.$executeRaw`
            UPDATE chunks SET in_text_index = true
            WHERE id IN (SELECT id FROM chunks WHERE bot_id = ${botId}::uuid AND NOT in_text_index LIMIT ${limit})`,
    );
    folded += count;
    if (count) onProgress?.(folded, Math.max(folded, size.outside));
    if (count < limit) return folded;
  }
}

/**
 * The bot's graph, made unless it is there: empty, since the bot's chunks are
 * all outside it until folded in. (Two instances folding one bot at once may
 * both try: the one that loses finds it made.)
 */
async function createGraph(prisma: PrismaClient, botId: string): Promise<void> {
  const graph = botGraph(botId);
  try {
    await prisma.$executeRawUnsafe(graph.create);
  } catch (error) {
    const [made] = await prisma.$queryRawUnsafe<{ made: boolean }[]>(`SELECT ${graph.exists} AS made`);
    if (!made?.made) throw error;
  }
}

/** Past the source's highest chunk index: an incremental sync's new chunks come after the kept ones. */
async function nextChunkIndex(prisma: PrismaClient, sourceId: string): Promise<number> {
  const [row] = await prisma.$queryRaw<
    { next: number }[]
  >`SELECT coalesce(max(chunk_index) + 1, 0)::int AS next FROM chunks WHERE source_id = ${sourceId}::uuid`;
  return row?.next ?? 0;
}

/**
 * Deletes, in batches, a source's chunks that readers no longer see at its
 * generation (below its floor, or retired), and undoes what an attempt that
 * died left of a later one: its chunks, and the retirements it marked.
 */
export async function deleteStaleChunks(
  prisma: PrismaClient,
  source: Pick<Source, "id" | "generation" | "floorGeneration">,
  { batchSize, beforeBatch = async () => {} }: Pick<StoreOptions, "batchSize" | "beforeBatch">,
): Promise<void> {
  const { id, generation, floorGeneration } = source;
  await prisma.$executeRaw`UPDATE chunks SET retired_in = NULL WHERE source_id = ${id}::uuid AND retired_in > ${generation}`;
  const pacer = createPacer(batchSize, { initial: 64, max: 1024 });
  for (;;) {
    await beforeBatch();
    const limit = pacer.size;
    const deleted = await pacer.time(
      limit,
      () => prisma.$executeRaw`
        DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE source_id = ${id}::uuid
          AND (generation < ${floorGeneration} OR generation > ${generation} OR retired_in <= ${generation}) LIMIT ${limit})`,
    );
    if (deleted < limit) return;
  }
}
