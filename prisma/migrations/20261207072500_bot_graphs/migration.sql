-- A graph per large bot instead of one shared by every bot (#31): a walk of
-- one bot's chunks in a graph of ten bots' went past the others' (18-20 ms
-- at recall 0.90-0.95 for bots of 10,000 chunks; alone, 6 ms at 1.0). Each
-- large bot's graph is a partial index over its chunks in_graph, written as
-- src/db/vector.ts's botGraph writes it (HNSW_BUILD its build settings), so
-- that retrieval's query proves it.

SET maintenance_work_mem = '256MB';
DROP INDEX IF EXISTS "chunks_embedding_hnsw_idx";

-- A small bot's chunks are searched exactly: they leave the graph (the
-- migration before kept every chunk stored until then in it).
UPDATE "chunks" SET "in_graph" = false
WHERE "in_graph" AND "bot_id" IN (SELECT "bot_id" FROM "sources" GROUP BY "bot_id" HAVING sum("chunk_count") <= 4000);

-- A large bot's go into a graph of its own, built at once from what it holds.
-- (The bots are read first: an index cannot be made on a table a loop's cursor still reads.)
DO $$
DECLARE
  bots uuid[] := ARRAY(SELECT DISTINCT "bot_id" FROM "chunks" WHERE "in_graph");
  bot uuid;
BEGIN
  FOREACH bot IN ARRAY bots LOOP
    EXECUTE format(
      'CREATE INDEX IF NOT EXISTS %I ON chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 32) WHERE in_graph AND bot_id IS NOT DISTINCT FROM %L::uuid',
      'chunks_graph_' || replace(bot::text, '-', ''),
      bot
    );
  END LOOP;
END $$;
RESET maintenance_work_mem;
