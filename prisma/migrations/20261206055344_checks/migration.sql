-- CreateEnum
CREATE TYPE "CheckKind" AS ENUM ('CORRECTION', 'CONTAINS', 'REFUSES');

-- CreateEnum
CREATE TYPE "CheckTrigger" AS ENUM ('MANUAL', 'SYNC');

-- CreateEnum
CREATE TYPE "CheckRunStatus" AS ENUM ('RUNNING', 'DONE', 'FAILED');

-- CreateTable
CREATE TABLE "checks" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "bot_id" UUID NOT NULL,
    "kind" "CheckKind" NOT NULL,
    "question" TEXT NOT NULL,
    "must_contain" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "correction_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "checks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "check_runs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "bot_id" UUID NOT NULL,
    "trigger" "CheckTrigger" NOT NULL,
    "status" "CheckRunStatus" NOT NULL DEFAULT 'RUNNING',
    "total" INTEGER NOT NULL DEFAULT 0,
    "passed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "regressions" INTEGER NOT NULL DEFAULT 0,
    "fixed" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "check_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "check_results" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "run_id" UUID NOT NULL,
    "check_id" UUID NOT NULL,
    "passed" BOOLEAN NOT NULL,
    "passed_before" BOOLEAN,
    "answer" TEXT NOT NULL,
    "corrected" BOOLEAN NOT NULL DEFAULT false,
    "sources" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "check_results_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "checks_correction_id_key" ON "checks"("correction_id");

-- CreateIndex
CREATE INDEX "checks_bot_id_created_at_idx" ON "checks"("bot_id", "created_at");

-- CreateIndex
CREATE INDEX "check_runs_bot_id_started_at_idx" ON "check_runs"("bot_id", "started_at");

-- CreateIndex
CREATE INDEX "check_results_run_id_idx" ON "check_results"("run_id");

-- CreateIndex
CREATE INDEX "check_results_check_id_created_at_idx" ON "check_results"("check_id", "created_at");

-- AddForeignKey
ALTER TABLE "checks" ADD CONSTRAINT "checks_bot_id_fkey" FOREIGN KEY ("bot_id") REFERENCES "bots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checks" ADD CONSTRAINT "checks_correction_id_fkey" FOREIGN KEY ("correction_id") REFERENCES "corrections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "check_runs" ADD CONSTRAINT "check_runs_bot_id_fkey" FOREIGN KEY ("bot_id") REFERENCES "bots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "check_results" ADD CONSTRAINT "check_results_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "check_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "check_results" ADD CONSTRAINT "check_results_check_id_fkey" FOREIGN KEY ("check_id") REFERENCES "checks"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Every correction is a check: the ones made before checks existed get theirs.
INSERT INTO "checks" ("bot_id", "kind", "question", "correction_id", "updated_at")
SELECT "bot_id", 'CORRECTION', "question", "id", CURRENT_TIMESTAMP FROM "corrections";
