-- Nothing has read or written a source's extracted text here since chunks and source_file_parts hold it.
-- AlterTable
ALTER TABLE "sources" DROP COLUMN "content";

