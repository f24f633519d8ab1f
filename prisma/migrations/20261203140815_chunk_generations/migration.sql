-- AlterTable
ALTER TABLE "sources" ADD COLUMN     "generation" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "last_error_code" TEXT;

-- AlterTable
ALTER TABLE "chunks" ADD COLUMN     "generation" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "chunks_source_id_generation_idx" ON "chunks"("source_id", "generation");

