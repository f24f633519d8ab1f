-- AlterTable
ALTER TABLE "sources" ADD COLUMN     "floor_generation" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "chunks" ADD COLUMN     "page_url" TEXT,
ADD COLUMN     "retired_in" INTEGER;

-- CreateTable
CREATE TABLE "source_pages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "source_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "etag" TEXT,
    "last_modified" TEXT,
    "text_hash" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "links" JSONB NOT NULL DEFAULT '[]',
    "chunk_count" INTEGER NOT NULL DEFAULT 0,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "source_pages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "source_syncs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "source_id" UUID NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "succeeded" BOOLEAN NOT NULL,
    "full" BOOLEAN NOT NULL DEFAULT false,
    "pages_fetched" INTEGER NOT NULL DEFAULT 0,
    "pages_unchanged" INTEGER NOT NULL DEFAULT 0,
    "pages_changed" INTEGER NOT NULL DEFAULT 0,
    "pages_added" INTEGER NOT NULL DEFAULT 0,
    "pages_removed" INTEGER NOT NULL DEFAULT 0,
    "pages_failed" INTEGER NOT NULL DEFAULT 0,
    "chunks_embedded" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "changes" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "source_syncs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "source_pages_source_id_url_key" ON "source_pages"("source_id", "url");

-- CreateIndex
CREATE INDEX "source_syncs_source_id_started_at_idx" ON "source_syncs"("source_id", "started_at");

-- AddForeignKey
ALTER TABLE "source_pages" ADD CONSTRAINT "source_pages_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "source_syncs" ADD CONSTRAINT "source_syncs_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every source's chunks so far are of its current generation (older ones were deleted after each switch):
-- readers' floor starts there, so a leftover of an interrupted deletion stays unseen.
UPDATE "sources" SET "floor_generation" = "generation";
