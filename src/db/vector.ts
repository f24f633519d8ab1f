/**
 * pgvector's text form of a vector, for `${toVectorLiteral(v)}::vector` in raw
 * SQL. The column stores 32-bit floats, and nine significant digits name any
 * 32-bit float exactly: a third shorter than a double's digits, and PostgreSQL
 * parses every one of them (on PGlite, a sizeable share of storing a chunk).
 * Non-finite numbers would be rejected by PostgreSQL with an opaque message,
 * so they are refused here with a clear one.
 */
export function toVectorLiteral(values: ArrayLike<number>): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(values[i]!);
    if (!Number.isFinite(v)) throw new RangeError("an embedding contains a non-finite number, or one too large for a 32-bit float");
    parts[i] = String(+v.toPrecision(9));
  }
  return `[${parts.join(",")}]`;
}

/**
 * pgvector's binary form of a vector, for a `$n::vector` parameter: `pg`
 * sends a Buffer in binary, and PostgreSQL reads it with pgvector's
 * vector_recv (dimensions and a spare word as 16-bit integers, then each
 * component a big-endian 32-bit float). Parsing the text form's 384 numbers
 * takes PGlite ~470 µs a vector, nearly all of storing a chunk; this ~25 µs
 * (bench/ingest.ts prints both floors).
 */
export function toVectorBinary(values: ArrayLike<number>): Buffer {
  const buffer = Buffer.allocUnsafe(4 + values.length * 4);
  buffer.writeUInt16BE(values.length, 0);
  buffer.writeUInt16BE(0, 2);
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(values[i]!);
    if (!Number.isFinite(v)) throw new RangeError("an embedding contains a non-finite number, or one too large for a 32-bit float");
    buffer.writeFloatBE(v, 4 + i * 4);
  }
  return buffer;
}

/**
 * Candidates HNSW examines per search (pgvector's default is 40): more means
 * better recall, a little slower. On 100k chunks of real English text (the
 * machine's manual pages, "words" embedder, npm run bench:retrieval) recall@5
 * was 0.76-0.84 at 100, 0.90 at 300 and 0.91-0.93 at 400, for 13 -> 24 ms.
 */
export const HNSW_EF_SEARCH = 400;

/**
 * Below this many chunks a bot's nearest chunks are found exactly: its rows
 * read through the bot's index and sorted by distance (about 6 µs a row on
 * PGlite: 25 ms at 4,000), recall 1, and its chunks never enter the HNSW
 * graph. Above it, its own graph is walked (botGraph), and the chunks not yet
 * folded into it are sorted exactly beside.
 * See bench/retrieval.ts and foldIntoIndexes.
 */
export const EXACT_SEARCH_MAX_CHUNKS = 4000;

/**
 * How a bot's graph is built (pgvector's defaults: m 16, ef_construction 64).
 * Half the candidates at each insert: at 10 bots of 10,000 chunks the ten
 * graphs were built in 31 s instead of 44, folding 2,000 chunks took 5.8 s
 * instead of 6.7, and recall@5 at HNSW_EF_SEARCH was 0.984 against
 * 0.992-0.994 (npm run bench:retrieval -- --side-by-side, one run each).
 */
export const HNSW_BUILD = "m = 16, ef_construction = 32";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A large bot's own HNSW graph: a partial index over its chunks in the graph
 * (`in_graph`), created when foldIntoIndexes first folds the bot's chunks in
 * and dropped with the bot. A graph of one bot's chunks is walked without
 * passing other bots' (in one graph shared by ten bots of 10,000 chunks the
 * filtered walk took 18-20 ms at recall 0.90-0.95; alone, 6 ms at 1.0). Its
 * predicate names the bot as a literal, written as the query writes it
 * (nearestSql), so the planner proves the index serves the query whatever
 * way the statement is prepared; IS NOT DISTINCT FROM because no b-tree
 * serves it, or the planner would rather read the bot's rows through its
 * b-tree and sort them all, not knowing that the walk stops early.
 */
export function botGraph(botId: string, build = HNSW_BUILD): { name: string; predicate: string; exists: string; create: string; drop: string } {
  if (!UUID.test(botId)) throw new RangeError(`not a bot id: ${botId}`);
  const name = `chunks_graph_${botId.replaceAll("-", "").toLowerCase()}`;
  const predicate = `chunks.in_graph AND chunks.bot_id IS NOT DISTINCT FROM '${botId.toLowerCase()}'::uuid`;
  return {
    name,
    predicate,
    /** A boolean expression: whether the graph is there. */
    exists: `to_regclass('"${name}"') IS NOT NULL`,
    create: `CREATE INDEX IF NOT EXISTS "${name}" ON chunks USING hnsw (embedding vector_cosine_ops) WITH (${build}) WHERE ${predicate.replaceAll("chunks.", "")}`,
    drop: `DROP INDEX IF EXISTS "${name}"`,
  };
}

/**
 * Run once on every new connection rather than as SET LOCAL around each
 * search: a retrieval is then one statement, not a five-statement
 * transaction (about 3 ms of round trips on PGlite). The iterative scan keeps
 * filtering from starving a search of results: a bot's graph also holds
 * chunks no reader may see (a generation being written, or retired and not
 * yet deleted), and HNSW goes on past ef_search candidates until the LIMIT is
 * filled with visible ones.
 */
export const VECTOR_SEARCH_SETTINGS = `SET hnsw.ef_search = ${HNSW_EF_SEARCH}; SET hnsw.iterative_scan = relaxed_order`;

/** Reads the dimension of a `vector(n)` column from the catalogue. */
export const VECTOR_DIMENSION_SQL = `
  SELECT a.atttypmod AS dimension
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  WHERE c.relname = $1 AND a.attname = $2 AND NOT a.attisdropped`;

export class EmbeddingDimensionError extends Error {
  override name = "EmbeddingDimensionError";
}

/**
 * Refuses to run when the configured embedding width differs from the
 * `chunks.embedding` column: every insert would fail, and a changed model
 * would silently mix incomparable vectors.
 */
export async function assertEmbeddingDimension(
  query: (sql: string, ...params: unknown[]) => Promise<{ dimension: number }[]>,
  expected: number,
): Promise<void> {
  const [row] = await query(VECTOR_DIMENSION_SQL, "chunks", "embedding");
  if (!row) throw new EmbeddingDimensionError("The chunks.embedding column is missing: the migrations did not run.");
  if (Number(row.dimension) !== expected) {
    throw new EmbeddingDimensionError(
      `EMBEDDING_DIMENSION=${expected} does not match the database's chunks.embedding column, vector(${row.dimension}). ` +
        `Use an embedding model with ${row.dimension} dimensions, or add a migration that changes the column and re-sync every source.`,
    );
  }
}
