-- The HNSW graph holds only what is searched through it (#31): a bot's
-- chunks are stored outside it, and searched exactly, which is all a small
-- bot ever needs; a large bot's are folded in afterwards (foldIntoGraph), off
-- the path of the write that made them answerable. Inserting into the graph
-- cost 1 to 4 ms a chunk, paid for every chunk of every bot.

-- Chunks stored so far are in the graph: a default of true for them costs no
-- table rewrite; new chunks default to outside it.
ALTER TABLE "chunks" ADD COLUMN "in_graph" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "chunks" ALTER COLUMN "in_graph" SET DEFAULT false;

-- The graph over the chunks in it only. Built in memory where it fits (the
-- default 64 MB spills at a few tens of thousands of chunks, several times slower).
SET maintenance_work_mem = '256MB';
DROP INDEX "chunks_embedding_hnsw_idx";
CREATE INDEX "chunks_embedding_hnsw_idx" ON "chunks" USING hnsw ("embedding" vector_cosine_ops) WHERE "in_graph";
RESET maintenance_work_mem;

-- A large bot's chunks not yet in the graph: found without reading the bot's others.
CREATE INDEX "chunks_bot_id_outside_graph_idx" ON "chunks" ("bot_id") WHERE NOT "in_graph";
