-- A chunk's full-text entry is made by the server (src/db/text-search.ts)
-- and stored with the chunk (#31): to_tsvector in a generated column took
-- 190 µs of a chunk's ~340 µs on PGlite's one thread. The column keeps what
-- it holds. A row written without one (a writer other than the server's
-- storeChunks: an operator's SQL, an import) still gets the database's own,
-- so no chunk is ever left out of text search.
ALTER TABLE "chunks" ALTER COLUMN "search_vector" DROP EXPRESSION;

CREATE FUNCTION "chunks_search_vector_default"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."search_vector" IS NULL THEN
    NEW."search_vector" := to_tsvector('simple', NEW."content");
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER "chunks_search_vector_default" BEFORE INSERT ON "chunks"
  FOR EACH ROW EXECUTE FUNCTION "chunks_search_vector_default"();
