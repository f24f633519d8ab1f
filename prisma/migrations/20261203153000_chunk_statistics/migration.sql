-- ANALYZE on PGlite runs on the event loop. It reads 300 x (the largest
-- statistics target) sampled rows: with the default target (100), 30,000 rows
-- and 0.35 to 0.45 s at 20k chunks; with 10, 3,000 rows and ~55 ms, and the
-- words found in more than a fifth of the chunks (what retrieval reads from
-- pg_stats) came out the same. The vector, the text and the metadata are
-- large and no plan depends on their statistics: none are kept.
ALTER TABLE "chunks" ALTER COLUMN "embedding" SET STATISTICS 0;
ALTER TABLE "chunks" ALTER COLUMN "content" SET STATISTICS 0;
ALTER TABLE "chunks" ALTER COLUMN "metadata" SET STATISTICS 0;
ALTER TABLE "chunks" ALTER COLUMN "id" SET STATISTICS 10;
ALTER TABLE "chunks" ALTER COLUMN "bot_id" SET STATISTICS 10;
ALTER TABLE "chunks" ALTER COLUMN "source_id" SET STATISTICS 10;
ALTER TABLE "chunks" ALTER COLUMN "source_type" SET STATISTICS 10;
ALTER TABLE "chunks" ALTER COLUMN "chunk_index" SET STATISTICS 10;
ALTER TABLE "chunks" ALTER COLUMN "generation" SET STATISTICS 10;
ALTER TABLE "chunks" ALTER COLUMN "search_vector" SET STATISTICS 10;
ALTER TABLE "chunks" ALTER COLUMN "created_at" SET STATISTICS 10;
