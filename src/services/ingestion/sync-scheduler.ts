import type { PrismaClient } from "@prisma/client";
import type { Logger } from "../../logger.js";
import { nextRun } from "../schedules.js";
import { createWorkLoop } from "../work-loop.js";
import type { SourceEvents } from "./events.js";
import type { JobRunner } from "./jobs.js";
import { requeueSource } from "./sources.js";

/** How often instances look for due syncs when others may have set schedules (PostgreSQL). */
const POLL_MS = 30_000;
const IDLE_MAX_MS = 10 * 60_000;

/**
 * Runs link sources' scheduled syncs: each due run exactly once across
 * instances, because claiming it moves the source's next run on in the same
 * transaction that locks the row (SKIP LOCKED: a second instance skips it
 * rather than waits). A run missed while no instance was up is due at the
 * next start, and runs once however many were missed. At most `limit`
 * (the ingestion workers) are queued per look, and a source already queued
 * or syncing is not queued again.
 */
export function createSyncScheduler({
  prisma,
  logger,
  jobs,
  events,
  limit,
  pglite,
}: {
  prisma: PrismaClient;
  logger: Logger;
  jobs: Pick<JobRunner, "enqueue" | "wake">;
  events: SourceEvents;
  limit: number;
  pglite: boolean;
}) {
  /** Queues the syncs due now; returns the ids queued. */
  async function runDue(now = new Date()): Promise<string[]> {
    const queued = await prisma.$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ id: string; bot_id: string; sync_schedule: string; busy: boolean }[]>`
        SELECT s.id::text, s.bot_id::text, s.sync_schedule,
               EXISTS (SELECT 1 FROM ingestion_jobs j WHERE j.source_id = s.id AND j.status IN ('PENDING', 'RUNNING')) AS busy
        FROM sources s
        WHERE s.next_sync_at <= ${now} AND s.sync_schedule IS NOT NULL AND s.kind = 'LINK'
        ORDER BY s.next_sync_at LIMIT ${limit} FOR UPDATE OF s SKIP LOCKED`;
      for (const source of due) {
        await tx.source.update({ where: { id: source.id }, data: { nextSyncAt: nextRun(source.sync_schedule, now) } });
        if (!source.busy) await requeueSource(tx, jobs, source.id);
      }
      return due.filter((source) => !source.busy);
    });
    if (!queued.length) return [];
    jobs.wake();
    for (const source of queued) events.publish({ botId: source.bot_id, sourceId: source.id, status: "PENDING" });
    logger.info("scheduled syncs queued", { count: queued.length });
    return queued.map((source) => source.id);
  }

  /** How long until the next scheduled run (PGlite sleeps that long: only this process sets schedules). */
  async function untilNext(): Promise<number> {
    const next = await prisma.source.findFirst({ where: { nextSyncAt: { not: null } }, orderBy: { nextSyncAt: "asc" }, select: { nextSyncAt: true } });
    return next?.nextSyncAt ? Math.max(0, next.nextSyncAt.getTime() - Date.now()) : IDLE_MAX_MS;
  }

  const loop = createWorkLoop({
    round: async () => (await runDue()).length === limit,
    failing: "run the scheduled syncs",
    logger,
    nextDueMs: untilNext,
    pglite,
    pollMs: POLL_MS,
    idleMaxMs: IDLE_MAX_MS,
  });

  return {
    runDue,
    start: async () => loop.start(),
    /** A schedule changed: look again now (its first run may be sooner than the one slept for). */
    wake: loop.wake,
    stop: loop.stop,
  };
}

export type SyncScheduler = ReturnType<typeof createSyncScheduler>;
