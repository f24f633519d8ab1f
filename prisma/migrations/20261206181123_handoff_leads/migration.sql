-- CreateEnum
CREATE TYPE "LeadField" AS ENUM ('NAME', 'PHONE');

-- AlterTable
ALTER TABLE "bots" ADD COLUMN     "handoff_hours" JSONB,
ADD COLUMN     "handoff_wait_seconds" INTEGER NOT NULL DEFAULT 120,
ADD COLUMN     "lead_fields" "LeadField"[] DEFAULT ARRAY['NAME']::"LeadField"[];

-- CreateTable
CREATE TABLE "leads" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "bot_id" UUID NOT NULL,
    "session_id" UUID,
    "name" TEXT,
    "email" TEXT NOT NULL,
    "phone" TEXT,
    "message" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "leads_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "leads_bot_id_created_at_idx" ON "leads"("bot_id", "created_at");

-- AddForeignKey
ALTER TABLE "leads" ADD CONSTRAINT "leads_bot_id_fkey" FOREIGN KEY ("bot_id") REFERENCES "bots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "leads" ADD CONSTRAINT "leads_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "chat_sessions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

