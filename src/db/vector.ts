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
 * graph. Above it, the graph is walked with the bot's filter applied during
 * the walk (iterative scan), whatever share of the table the bot holds, and
 * the chunks not yet folded into it are sorted exactly beside.
 * See bench/retrieval.ts and foldIntoGraph.
 */
export const EXACT_SEARCH_MAX_CHUNKS = 4000;

/**
 * Run once on every new connection rather than as SET LOCAL around each
 * search: a retrieval is then one statement, not a five-statement
 * transaction (about 3 ms of round trips on PGlite). The iterative scan keeps
 * filtering by bot from starving a search of results: HNSW goes on past
 * ef_search candidates until the LIMIT is filled with the bot's own chunks.
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
