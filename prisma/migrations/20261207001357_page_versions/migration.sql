-- AlterTable
ALTER TABLE "source_pages" ADD COLUMN     "body_hash" TEXT,
ADD COLUMN     "chunking" TEXT NOT NULL DEFAULT '';

