-- CreateEnum
CREATE TYPE "GapReason" AS ENUM ('UNANSWERED', 'RATED_DOWN');

-- CreateTable
CREATE TABLE "gap_topics" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "bot_id" UUID NOT NULL,
    "question" TEXT NOT NULL,
    "question_count" INTEGER NOT NULL DEFAULT 0,
    "first_asked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_asked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dismissed_at" TIMESTAMPTZ(3),
    "embedding" vector(384),
    "embedding_model" TEXT NOT NULL,

    CONSTRAINT "gap_topics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gap_questions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "topic_id" UUID NOT NULL,
    "message_id" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "reason" "GapReason" NOT NULL,
    "passages" JSONB NOT NULL DEFAULT '[]',
    "asked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gap_questions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "gap_topics_bot_id_dismissed_at_idx" ON "gap_topics"("bot_id", "dismissed_at");

-- CreateIndex
CREATE UNIQUE INDEX "gap_questions_message_id_key" ON "gap_questions"("message_id");

-- CreateIndex
CREATE INDEX "gap_questions_topic_id_asked_at_idx" ON "gap_questions"("topic_id", "asked_at");

-- AddForeignKey
ALTER TABLE "gap_topics" ADD CONSTRAINT "gap_topics_bot_id_fkey" FOREIGN KEY ("bot_id") REFERENCES "bots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gap_questions" ADD CONSTRAINT "gap_questions_topic_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "gap_topics"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gap_questions" ADD CONSTRAINT "gap_questions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

