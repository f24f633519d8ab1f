import { Prisma, type PrismaClient } from "@prisma/client";
import { ExtractionError, type SourceErrorCode } from "../../../connectors/index.js";
import { createChunkMaintenance } from "../../db/statistics.js";
import type { Logger } from "../../logger.js";
import { EmbeddingError } from "../../providers/embeddings.js";
import type { BotEvent } from "../bot-events.js";
import type { SourceEvents } from "./events.js";
import type { Ingestion } from "./ingestion.js";

export interface JobRunnerOptions {
  /** Jobs run at once. @default 2 */
  workers?: number;
  /** Jobs of one workspace run at once, so one tenant cannot take every worker. @default half of `workers`, at least 1 */
  perWorkspace?: number;
  /** Retries after the first attempt, for failures that may pass. @default 3 */
  maxRetries?: number;
  /** First retry delay; each next one doubles. @default 5000 */
  retryBaseMs?: number;
  /**
   * How often idle workers look for due jobs when other processes may add
   * them (PostgreSQL). Enqueueing in this process wakes them at once, and on
   * PGlite (one process) they only wake for that or for the next retry.
   * @default 1000
   */
  pollMs?: number;
  /**
   * A running job whose heartbeat is older than this belongs to a dead
   * process and is run again. 0 at start on PGlite: one process owns it.
   * @default 120000
   */
  leaseMs?: number;
}

/** The longest an idle PGlite worker sleeps without being woken. */
const IDLE_MAX_MS = 60_000;

/** What a source says when the process died while ingesting it. */
export const SERVER_STOPPED_MESSAGE = "The server stopped while processing this source.";

/**
 * Due jobs a worker may take: none of their source running already, and
 * their workspace under its share of the workers. Fewest running first:
 * a workspace that queued a hundred sources takes turns with one that
 * queued one, rather than going first a hundred times.
 */
function eligibleJobs(perWorkspace: number): Prisma.Sql {
  return Prisma.sql`
    WITH busy AS (
      SELECT b.workspace_id, count(*) AS running FROM ingestion_jobs r
      JOIN sources rs ON rs.id = r.source_id JOIN bots b ON b.id = rs.bot_id
      WHERE r.status = 'RUNNING' GROUP BY b.workspace_id)
    SELECT c.id, c.run_after FROM ingestion_jobs c
    JOIN sources cs ON cs.id = c.source_id
    JOIN bots cb ON cb.id = cs.bot_id
    LEFT JOIN busy ON busy.workspace_id = cb.workspace_id
    WHERE c.status = 'PENDING'
      AND coalesce(busy.running, 0) < ${perWorkspace}
      AND NOT EXISTS (SELECT 1 FROM ingestion_jobs r WHERE r.source_id = c.source_id AND r.status = 'RUNNING')`;
}

interface ClaimedJob {
  id: string;
  source_id: string;
  attempts: number;
  bot_id: string;
}

/**
 * Ends a job and tells its source's status in one transaction, so the
 * source never reads SYNCED while its job could still run again (a crash
 * between the two left a SYNCED source whose recovered job re-ingested
 * it). A job queued meanwhile (a resync) keeps the source PENDING.
 */
async function succeed(prisma: PrismaClient, job: ClaimedJob): Promise<"SYNCED" | "PENDING"> {
  const [, rows] = await prisma.$transaction([
    prisma.ingestionJob.update({ where: { id: job.id }, data: { status: "SUCCEEDED", finishedAt: new Date(), lockedAt: null, lastError: null } }),
    prisma.$queryRaw<{ status: "SYNCED" | "PENDING" }[]>`
      UPDATE sources SET
        sync_status = (CASE WHEN EXISTS (SELECT 1 FROM ingestion_jobs w WHERE w.source_id = sources.id AND w.status = 'PENDING') THEN 'PENDING' ELSE 'SYNCED' END)::"SyncStatus",
        last_error = NULL, last_error_code = NULL, attempts = 0, updated_at = now()
      WHERE id = ${job.source_id}::uuid
      RETURNING sync_status::text AS status`,
  ]);
  return rows[0]?.status ?? "SYNCED";
}

/**
 * How long an idle worker may sleep. PGlite runs one statement at a time,
 * so needless polling there delays everyone else's statements: with
 * one process owning the queue, sleeping until the next retry is due is enough.
 */
async function idleFor(prisma: PrismaClient, { pglite, pollMs, perWorkspace }: { pglite: boolean; pollMs: number; perWorkspace: number }): Promise<number> {
  if (!pglite) return pollMs;
  // Jobs waiting behind a running job of their source, or their workspace's, are woken when it ends.
  const [next] = await prisma.$queryRaw<{ at: Date | null }[]>`SELECT min(e.run_after) AS at FROM (${eligibleJobs(perWorkspace)}) e`;
  const until = next?.at ? next.at.getTime() - Date.now() : IDLE_MAX_MS;
  return Math.min(Math.max(until, 10), IDLE_MAX_MS);
}

/** Sleeps `ms`, or until one of `sleepers` is called (a wake). */
function sleep(ms: number, sleepers: Set<() => void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      sleepers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    sleepers.add(done);
  });
}

/**
 * The durable ingestion queue: jobs are rows, so they survive restarts. A
 * bounded number of workers claim due jobs (never two for one source), run
 * them, and retry failures that may pass with exponential backoff.
 */
interface JobRunnerDeps {
  prisma: PrismaClient;
  logger: Logger;
  ingestion: Ingestion;
  events: SourceEvents;
  pglite: boolean;
  /** A bot's source was ingested (on this instance): its checks run after it. */
  onSynced?: (botId: string) => void;
  /** Where other systems hear that a source synced or failed for good (webhooks). */
  publish?: (event: BotEvent) => void;
}

export function createJobRunner(
  { prisma, logger, ingestion, events, pglite, onSynced = () => {}, publish = () => {} }: JobRunnerDeps,
  {
    workers = 2,
    perWorkspace = Math.max(1, Math.ceil(workers / 2)),
    maxRetries = 3,
    retryBaseMs = 5000,
    pollMs = 1000,
    leaseMs = 120_000,
  }: JobRunnerOptions = {},
) {
  const maintenance = createChunkMaintenance(prisma);
  const stopping = new AbortController();
  const running = new Map<string, AbortController>();
  const sleepers = new Set<() => void>();
  // Counts wakes, so a worker that was busy asking the database when one came
  // does not then sleep through it.
  let wakes = 0;
  const wake = () => {
    wakes++;
    for (const sleeper of [...sleepers]) sleeper();
  };
  let loops: Promise<void>[] = [];

  /**
   * Jobs left RUNNING by a process that died. The death counts as a failed
   * attempt, so a source that kills the process cannot do it at every
   * start: past the retries it ends in ERROR.
   */
  async function recoverStale(olderThanMs: number, exceptSources: readonly string[] = []) {
    const recovered = await prisma.$queryRaw<{ source_id: string; bot_id: string; attempts: number; failed: boolean }[]>`
      UPDATE ingestion_jobs j SET
        status = (CASE WHEN j.attempts > ${maxRetries} THEN 'FAILED' ELSE 'PENDING' END)::"JobStatus",
        finished_at = CASE WHEN j.attempts > ${maxRetries} THEN now() END,
        run_after = now() + make_interval(secs => ${retryBaseMs / 1000} * power(2, greatest(j.attempts - 1, 0))),
        last_error = ${SERVER_STOPPED_MESSAGE}, locked_at = NULL, updated_at = now()
      FROM sources s
      WHERE s.id = j.source_id AND j.status = 'RUNNING'
        AND (j.locked_at IS NULL OR j.locked_at < now() - make_interval(secs => ${olderThanMs / 1000}))
        AND NOT (j.source_id::text = ANY(${exceptSources}::text[]))
      RETURNING j.source_id, s.bot_id, j.attempts, j.status = 'FAILED' AS failed`;
    for (const job of recovered) {
      const status = job.failed ? "ERROR" : "PENDING";
      // The source says what is true: not SYNCED while its job waits to run again.
      await prisma.source.update({
        where: { id: job.source_id },
        data: { syncStatus: status, lastError: SERVER_STOPPED_MESSAGE, lastErrorCode: "SERVER_STOPPED", attempts: job.attempts },
      });
      events.publish({
        botId: job.bot_id,
        sourceId: job.source_id,
        status,
        error: SERVER_STOPPED_MESSAGE,
        errorCode: "SERVER_STOPPED",
        attempts: job.attempts,
      });
      if (job.failed)
        publish({
          type: "source.failed",
          botId: job.bot_id,
          sourceId: job.source_id,
          error: SERVER_STOPPED_MESSAGE,
          errorCode: "SERVER_STOPPED",
          at: new Date(),
        });
    }
    if (recovered.length)
      logger.warn("ingestion jobs interrupted by a stop recovered", { count: recovered.length, failed: recovered.filter((j) => j.failed).length });
  }

  async function claim(): Promise<ClaimedJob | undefined> {
    const rows = await prisma.$queryRaw<ClaimedJob[]>`
      UPDATE ingestion_jobs j SET status = 'RUNNING', attempts = j.attempts + 1, locked_at = now(), updated_at = now()
      FROM sources s
      WHERE s.id = j.source_id AND j.id = (
        SELECT e.id FROM (${eligibleJobs(perWorkspace)} AND c.run_after <= now()
          ORDER BY coalesce(busy.running, 0), c.run_after, c.created_at
          FOR UPDATE OF c SKIP LOCKED
          LIMIT 1) e)
      RETURNING j.id, j.source_id, j.attempts, s.bot_id`;
    return rows[0];
  }

  async function run(job: ClaimedJob) {
    const controller = new AbortController();
    running.set(job.source_id, controller);
    const heartbeat = setInterval(
      () => {
        prisma.ingestionJob.update({ where: { id: job.id }, data: { lockedAt: new Date() } }).catch(() => {});
      },
      Math.max(1000, leaseMs / 4),
    );
    const base = { botId: job.bot_id, sourceId: job.source_id };
    try {
      await prisma.source.update({ where: { id: job.source_id }, data: { syncStatus: "PROCESSING", attempts: job.attempts } });
      events.publish({ ...base, status: "PROCESSING", attempts: job.attempts });
      const result = await ingestion.ingest(job.source_id, AbortSignal.any([controller.signal, stopping.signal]));
      const status = await succeed(prisma, job);
      events.publish({ ...base, status, chunkCount: result.chunkCount, attempts: job.attempts });
      if (status === "SYNCED") publish({ type: "source.synced", ...base, chunkCount: result.chunkCount, unchanged: result.unchanged, at: new Date() });
      const { full, ...sync } = result.sync ?? { full: true };
      if ("syncId" in sync && !full && (sync.added || sync.changed || sync.removed)) publish({ type: "source.changed", ...base, ...sync, at: new Date() });
      if (!result.unchanged) onSynced(job.bot_id);
      logger.info("source ingested", { sourceId: job.source_id, chunks: result.chunkCount, unchanged: result.unchanged });
      // PostgreSQL's autovacuum keeps the statistics and the free space; PGlite has none.
      if (pglite && !result.unchanged) {
        await maintenance.afterIngestion().catch((error: unknown) => logger.warn("could not vacuum or analyze the chunks", { error }));
      }
    } catch (error) {
      // The write that failed may have been the database's (a dropped connection): the failure is recorded
      // again until it sticks, and a job still RUNNING after that is recovered by the sweep (see start()).
      await persistently(() => settleFailure(job, error, AbortSignal.any([controller.signal, stopping.signal])), stopping.signal).catch((e: unknown) =>
        logger.error("could not record an ingestion failure", { error: e }),
      );
    } finally {
      clearInterval(heartbeat);
      running.delete(job.source_id);
      // A job of the same source may have been waiting for this one.
      wake();
    }
  }

  async function settleFailure(job: ClaimedJob, error: unknown, signal: AbortSignal) {
    const base = { botId: job.bot_id, sourceId: job.source_id };
    const deleted = !(await prisma.source.findUnique({ where: { id: job.source_id }, select: { id: true } }));
    if (deleted) return; // the job went with its source
    if (signal.aborted) {
      // Interrupted (shutdown): not the job's fault; it runs again next time.
      await prisma.ingestionJob.update({ where: { id: job.id }, data: { status: "PENDING", attempts: { decrement: 1 }, lockedAt: null } });
      await prisma.source.update({ where: { id: job.source_id }, data: { syncStatus: "PENDING", attempts: job.attempts - 1 } });
      return;
    }
    const { message, code, retryable } = describeFailure(error);
    if (!retryable || job.attempts > maxRetries) {
      await prisma.ingestionJob.update({ where: { id: job.id }, data: { status: "FAILED", lastError: message, lockedAt: null, finishedAt: new Date() } });
      await prisma.source.update({
        where: { id: job.source_id },
        data: { syncStatus: "ERROR", lastError: message, lastErrorCode: code, attempts: job.attempts },
      });
      events.publish({ ...base, status: "ERROR", error: message, errorCode: code, attempts: job.attempts });
      publish({ type: "source.failed", ...base, error: message, errorCode: code, at: new Date() });
      logger.warn("ingestion failed", {
        sourceId: job.source_id,
        attempts: job.attempts,
        error: message,
        ...(!(error instanceof ExtractionError || error instanceof EmbeddingError) && { cause: error }),
      });
      return;
    }
    const delay = retryBaseMs * 2 ** (job.attempts - 1);
    await prisma.ingestionJob.update({
      where: { id: job.id },
      data: { status: "PENDING", lastError: message, lockedAt: null, runAfter: new Date(Date.now() + delay) },
    });
    await prisma.source.update({
      where: { id: job.source_id },
      data: { syncStatus: "PENDING", lastError: message, lastErrorCode: code, attempts: job.attempts },
    });
    events.publish({ ...base, status: "PENDING", error: message, errorCode: code, attempts: job.attempts });
    logger.info("ingestion will retry", { sourceId: job.source_id, attempts: job.attempts, inMs: delay, error: message });
  }

  async function loop() {
    while (!stopping.signal.aborted) {
      const seen = wakes;
      let job: ClaimedJob | undefined;
      try {
        job = await claim();
      } catch (error) {
        if (stopping.signal.aborted) return;
        logger.error("could not claim an ingestion job", { error });
      }
      if (job) {
        await run(job);
        continue;
      }
      const wait = await idleFor(prisma, { pglite, pollMs, perWorkspace }).catch(() => pollMs);
      if (wakes !== seen) continue; // woken meanwhile (a new job, or stop)
      await sleep(wait, sleepers);
    }
  }

  /**
   * A job whose heartbeat stopped (its process died, or its result could not
   * be written) goes back to the queue while the server runs, not only at
   * the next start: a RUNNING job nobody runs would hold its workspace's
   * share of the workers for good.
   */
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () =>
    recoverStale(leaseMs, [...running.keys()])
      .then(wake)
      .catch((error: unknown) => logger.warn("could not recover stalled ingestion jobs", { error }));

  return {
    async start() {
      await recoverStale(pglite ? 0 : leaseMs);
      loops = Array.from({ length: workers }, () => loop());
      sweeper = setInterval(() => void sweep(), Math.max(1000, leaseMs / 2));
      sweeper.unref();
    },

    /**
     * Adds a job for a source unless one is already waiting. Call `wake()`
     * once the transaction that enqueued has committed.
     */
    async enqueue(sourceId: string, tx: Pick<PrismaClient, "ingestionJob"> = prisma) {
      const waiting = await tx.ingestionJob.findFirst({ where: { sourceId, status: "PENDING" }, select: { id: true } });
      if (waiting) await tx.ingestionJob.update({ where: { id: waiting.id }, data: { runAfter: new Date(), attempts: 0, lastError: null } });
      else await tx.ingestionJob.create({ data: { sourceId } });
    },

    /** Makes idle workers look for jobs now rather than at their next poll. */
    wake,

    /** Interrupts the job of a source being deleted or replaced. */
    cancel(sourceId: string) {
      running.get(sourceId)?.abort();
    },

    /** Stops claiming, interrupts running jobs (they run again after a restart) and waits for the workers. */
    async stop() {
      clearInterval(sweeper);
      stopping.abort();
      wake();
      await Promise.all(loops);
    },

    /** The number of jobs running now (for tests and health). */
    get active() {
      return running.size;
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;

/** Runs a database write again (after 0.2 s, 0.4 s, … up to five times) until it succeeds or shutdown begins. */
async function persistently(write: () => Promise<void>, stopping: AbortSignal, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= attempts || stopping.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
    }
  }
}

function describeFailure(error: unknown): { message: string; code: SourceErrorCode; retryable: boolean } {
  if (error instanceof ExtractionError) return { message: error.message, code: error.code, retryable: error.retryable };
  if (error instanceof EmbeddingError) return { message: error.message, code: "EMBEDDING_FAILED", retryable: error.retryable };
  return { message: "An internal error interrupted ingestion; it will be retried. Details are in the server log.", code: "INTERNAL_ERROR", retryable: true };
}
