-- CreateEnum
CREATE TYPE "HandoffMode" AS ENUM ('NEVER', 'WHEN_UNANSWERED', 'ALWAYS');

-- CreateEnum
CREATE TYPE "HandoffState" AS ENUM ('BOT', 'WAITING', 'PERSON');

-- CreateEnum
CREATE TYPE "Presence" AS ENUM ('ONLINE', 'AWAY', 'OFFLINE');

-- AlterEnum
ALTER TYPE "MessageRole" ADD VALUE 'OPERATOR';

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "presence" "Presence" NOT NULL DEFAULT 'OFFLINE',
ADD COLUMN     "presence_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "bots" ADD COLUMN     "handoff" "HandoffMode" NOT NULL DEFAULT 'NEVER';

-- AlterTable
ALTER TABLE "chat_sessions" ADD COLUMN     "handed_off" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "handoff_requested_at" TIMESTAMPTZ(3),
ADD COLUMN     "handoff_state" "HandoffState" NOT NULL DEFAULT 'BOT',
ADD COLUMN     "operator_id" UUID;

-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "author_id" UUID;

-- CreateTable
CREATE TABLE "bot_operators" (
    "bot_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bot_operators_pkey" PRIMARY KEY ("bot_id","user_id")
);

-- CreateIndex
CREATE INDEX "bot_operators_user_id_idx" ON "bot_operators"("user_id");

-- CreateIndex
CREATE INDEX "chat_sessions_bot_id_handoff_state_handoff_requested_at_idx" ON "chat_sessions"("bot_id", "handoff_state", "handoff_requested_at");

-- AddForeignKey
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bot_operators" ADD CONSTRAINT "bot_operators_bot_id_fkey" FOREIGN KEY ("bot_id") REFERENCES "bots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bot_operators" ADD CONSTRAINT "bot_operators_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

