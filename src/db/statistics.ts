import type { PrismaClient } from "@prisma/client";

/**
 * PGlite has no autovacuum, so nothing keeps the statistics of `chunks`
 * current: the planner's estimates, and the common words retrieval leaves
 * out of its full-text AND (pg_stats). Called after an ingestion changed
 * chunks, this runs ANALYZE when their number moved by more than a tenth
 * since the last one, as autovacuum would: at 100k chunks ANALYZE holds
 * PGlite (and so the event loop) for ~0.4 s, too long for every job.
 * Resolves to whether it ran.
 */
export async function analyzeChunksIfChanged(prisma: PrismaClient): Promise<boolean> {
  const [row] = await prisma.$queryRaw<{ estimated: number; actual: number }[]>`
    SELECT (SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass)::float8 AS estimated,
           (SELECT coalesce(sum(chunk_count), 0) FROM sources)::float8 AS actual`;
  const { estimated, actual } = row!;
  // reltuples is -1 until the table is first analyzed.
  const stale = estimated < 0 ? actual > 0 : Math.abs(actual - estimated) > 0.1 * estimated;
  if (!stale) return false;
  await prisma.$executeRawUnsafe("ANALYZE chunks");
  return true;
}
