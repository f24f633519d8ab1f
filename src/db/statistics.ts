import type { PrismaClient } from "@prisma/client";
import { botGraph } from "./vector.js";

/**
 * PGlite has no autovacuum; this does its three jobs for `chunks`, after each
 * ingestion that changed chunks. Both hold PGlite's one session (every
 * request waits behind them) while they run, so each is the cheap form, chosen by measurement (20k
 * chunks, a tenth of them deleted):
 *
 * - the heap's dead rows (an old generation, a deleted source) are pruned
 *   so new chunks reuse their space: `VACUUM (INDEX_CLEANUP OFF)`, ~65 ms.
 *   A full VACUUM took 14 to 17 s, nearly all of it pgvector's HNSW index
 *   cleanup; searches skip the index's dead entries meanwhile.
 * - ANALYZE keeps the planner's estimates and the common words retrieval
 *   leaves out of its full-text AND (pg_stats) current, when the number of
 *   chunks moved by more than a tenth since this process last ran it, as
 *   autovacuum would (~55 ms at 20k chunks on the 3,000-row sample the
 *   chunk_statistics migration set; 7,500 rows since text_statistics, ~440
 *   ms at 100k chunks, no longer than 3,000 there). VACUUM rewrites
 *   pg_class.reltuples, so the count at the last ANALYZE is kept here; a
 *   restart analyzes once more.
 * - the full-text index's pending list (GIN's fast update: new entries wait
 *   in a list until it holds 4 MB) is merged into the index. The planner
 *   counts reading that whole list into every search through the index, and
 *   with a few MB in it took the bot's rows one by one instead: the text
 *   half's p50 was 32 ms instead of 6-8 at 30,000 chunks, until the list
 *   happened to fill. Merging 300 pages took ~65 ms, work the insert that
 *   filled the list would have done anyway.
 */
export function createChunkMaintenance(prisma: PrismaClient) {
  let analyzedAt: number | undefined;
  return {
    /** Resolves to whether ANALYZE ran. */
    async afterIngestion(): Promise<boolean> {
      await dropOrphanGraphs(prisma);
      await prisma.$executeRawUnsafe("VACUUM (INDEX_CLEANUP OFF) chunks");
      await prisma.$queryRawUnsafe("SELECT gin_clean_pending_list('chunks_search_vector_idx'::regclass)");
      const [row] = await prisma.$queryRaw<{ actual: number }[]>`SELECT coalesce(sum(chunk_count), 0)::float8 AS actual FROM sources`;
      const actual = row!.actual;
      const stale = analyzedAt === undefined ? actual > 0 : Math.abs(actual - analyzedAt) > 0.1 * analyzedAt;
      if (!stale) return false;
      await prisma.$executeRawUnsafe("ANALYZE chunks");
      analyzedAt = actual;
      return true;
    },
  };
}

/**
 * Drops the graphs (botGraph) of bots that are gone: a bot's is dropped after
 * the bot is deleted, and a process that stops between the two, or a fold
 * that made the graph while the bot was being deleted, leaves one behind.
 * Every insert into chunks checks each graph's predicate, so none should
 * linger. Resolves to the names dropped.
 */
export async function dropOrphanGraphs(prisma: PrismaClient): Promise<string[]> {
  const indexes = await prisma.$queryRaw<{ name: string }[]>`
    SELECT relname::text AS name FROM pg_class WHERE relkind = 'i' AND relname LIKE 'chunks\\_graph\\_%'`;
  // Only what botGraph itself names a bot's graph: a name it no longer makes is left alone, never dropped.
  const graphs = indexes.flatMap(({ name }) => {
    const hex = /^chunks_graph_([0-9a-f]{32})$/.exec(name)?.[1];
    const botId = hex && `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return botId && botGraph(botId).name === name ? [{ botId, graph: botGraph(botId) }] : [];
  });
  if (!graphs.length) return [];
  const bots = await prisma.$queryRaw<{ id: string }[]>`SELECT id::text FROM bots WHERE id = ANY(${graphs.map((g) => g.botId)}::uuid[])`;
  const living = new Set(bots.map((bot) => bot.id));
  const orphans = graphs.filter(({ botId }) => !living.has(botId)).map(({ graph }) => graph);
  for (const graph of orphans) await prisma.$executeRawUnsafe(graph.drop);
  return orphans.map((graph) => graph.name);
}
