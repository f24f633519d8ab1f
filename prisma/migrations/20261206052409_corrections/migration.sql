-- AlterTable
ALTER TABLE "bots" ADD COLUMN     "correction_threshold" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "correction_id" UUID;

-- CreateTable
CREATE TABLE "corrections" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "bot_id" UUID NOT NULL,
    "question" TEXT NOT NULL,
    "phrasings" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "answer" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "hit_count" INTEGER NOT NULL DEFAULT 0,
    "last_hit_at" TIMESTAMPTZ(3),
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "corrections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "correction_questions" (
    "id" BIGSERIAL NOT NULL,
    "correction_id" UUID NOT NULL,
    "bot_id" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "embedding" vector(384),
    "embedding_model" TEXT NOT NULL,

    CONSTRAINT "correction_questions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "corrections_bot_id_created_at_idx" ON "corrections"("bot_id", "created_at");

-- CreateIndex
CREATE INDEX "correction_questions_bot_id_idx" ON "correction_questions"("bot_id");

-- CreateIndex
CREATE INDEX "correction_questions_correction_id_idx" ON "correction_questions"("correction_id");

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_correction_id_fkey" FOREIGN KEY ("correction_id") REFERENCES "corrections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "corrections" ADD CONSTRAINT "corrections_bot_id_fkey" FOREIGN KEY ("bot_id") REFERENCES "bots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "corrections" ADD CONSTRAINT "corrections_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "correction_questions" ADD CONSTRAINT "correction_questions_correction_id_fkey" FOREIGN KEY ("correction_id") REFERENCES "corrections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

