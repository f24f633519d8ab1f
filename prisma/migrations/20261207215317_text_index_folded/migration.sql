-- A large bot's chunks enter the full-text index once, when they are folded
-- into its graph (#31). Folding rewrites each row (UPDATE ... SET in_graph),
-- and a rewritten row's new version is indexed again: every chunk of a large
-- bot paid for its text index entries twice, and storing, whose rate bounds
-- every re-crawl, paid for the first (half of an insert on PGlite: 4,000
-- rows went in ~1.9x faster without the GIN index). Until folded, they are
-- found by reading them, as the graph's outsiders already are.

-- Chunks stored so far are in the index.
ALTER TABLE "chunks" ADD COLUMN "in_text_index" BOOLEAN NOT NULL DEFAULT true;

DROP INDEX "chunks_search_vector_idx";
CREATE INDEX "chunks_search_vector_idx" ON "chunks" USING gin ("search_vector") WHERE "in_text_index";

-- A bot's chunks outside the text index: found without reading its others (none once folded).
CREATE INDEX "chunks_bot_id_outside_text_index_idx" ON "chunks" ("bot_id") WHERE NOT "in_text_index";

-- (bot_id, source_id) serves every lookup by bot, and each stored chunk paid for both.
DROP INDEX "chunks_bot_id_idx";
