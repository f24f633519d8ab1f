-- AlterTable
ALTER TABLE "bots" ALTER COLUMN "min_similarity" DROP NOT NULL,
ALTER COLUMN "min_similarity" DROP DEFAULT;

-- AlterTable
ALTER TABLE "sources" ADD COLUMN     "embedding_model" TEXT;


-- A bot still at the old default (0.2, fitted to the lexical embedder) now
-- follows the embedder in use; a value an admin chose is kept.
UPDATE "bots" SET "min_similarity" = NULL WHERE "min_similarity" = 0.2;
