-- AlterTable
ALTER TABLE "bots" ADD COLUMN     "link_schedule" TEXT;

-- AlterTable
ALTER TABLE "sources" ADD COLUMN     "next_sync_at" TIMESTAMPTZ(3),
ADD COLUMN     "sync_schedule" TEXT;

-- CreateIndex
CREATE INDEX "sources_next_sync_at_idx" ON "sources"("next_sync_at");

