/**
 * pgvector's text form of a vector, for `${toVectorLiteral(v)}::vector` in raw
 * SQL. Non-finite numbers would be rejected by PostgreSQL with an opaque
 * message, so they are refused here with a clear one.
 */
export function toVectorLiteral(values: readonly number[]): string {
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError("an embedding contains a non-finite number");
  }
  return `[${values.join(",")}]`;
}

/** Reads the dimension of a `vector(n)` column from the catalogue. */
export const VECTOR_DIMENSION_SQL = `
  SELECT a.atttypmod AS dimension
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  WHERE c.relname = $1 AND a.attname = $2 AND NOT a.attisdropped`;
