import { afterEach, describe, expect, it } from "@jest/globals";
import type { PrismaClient } from "@prisma/client";
import type { Database } from "../src/db/index.js";
import { createSourceEvents } from "../src/services/ingestion/events.js";
import type { Ingestion } from "../src/services/ingestion/ingestion.js";
import { createJobRunner, type JobRunner } from "../src/services/ingestion/jobs.js";
import { openTestPGlite, silentLogger } from "./helpers/db.js";

/**
 * The queue when the database fails under it: a result that cannot be
 * written is written again, and a job left RUNNING with nobody running it
 * goes back to the queue while the server runs.
 */

const runners: JobRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

async function seed(db: Database) {
  const workspace = await db.prisma.workspace.create({ data: { name: "Acme" } });
  const bot = await db.prisma.bot.create({ data: { workspaceId: workspace.id, name: "Helpdesk" } });
  const source = await db.prisma.source.create({ data: { botId: bot.id, kind: "TEXT", connector: "text", name: "notes.txt" } });
  return { bot, source };
}

/** An ingestion double: succeeds, or fails the way a parser does, counting its runs. */
function fakeIngestion(outcome: "succeed" | "fail") {
  const calls: string[] = [];
  const ingestion = {
    ingest: (sourceId: string) => {
      calls.push(sourceId);
      return outcome === "succeed" ? Promise.resolve({ chunkCount: 1, unchanged: false }) : Promise.reject(new Error("parser crashed"));
    },
  } as unknown as Ingestion;
  return { ingestion, calls };
}

/** The Prisma client with its first `failures` job updates failing as a dropped connection does. */
function flakyJobUpdates(prisma: PrismaClient, failures: number): PrismaClient {
  let left = failures;
  const jobs = new Proxy(prisma.ingestionJob, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== "update" || typeof value !== "function") return value;
      return (...args: unknown[]) =>
        left-- > 0 ? Promise.reject(new Error("Connection terminated unexpectedly")) : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return new Proxy(prisma, { get: (target, property, receiver) => (property === "ingestionJob" ? jobs : Reflect.get(target, property, receiver)) });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the ingestion queue when the database fails under it", () => {
  it("records a failure whose first writes hit a dropped connection, never leaving the job RUNNING", async () => {
    const db = await openTestPGlite();
    const { source } = await seed(db);
    await db.prisma.ingestionJob.create({ data: { sourceId: source.id } });
    const { ingestion, calls } = fakeIngestion("fail");
    const prisma = flakyJobUpdates(db.prisma, 2);
    const runner = createJobRunner({ prisma, logger: silentLogger, ingestion, events: createSourceEvents(), pglite: true }, { maxRetries: 0, workers: 1 });
    runners.push(runner);
    await runner.start();
    const job = await until(
      () => db.prisma.ingestionJob.findFirstOrThrow({ where: { sourceId: source.id } }),
      (j) => j.status === "FAILED",
    );
    expect(calls).toHaveLength(1);
    expect(job).toMatchObject({ status: "FAILED", lockedAt: null });
    expect(await db.prisma.source.findUniqueOrThrow({ where: { id: source.id } })).toMatchObject({ syncStatus: "ERROR", lastErrorCode: "INTERNAL_ERROR" });
  });

  it("puts a RUNNING job whose heartbeat stopped back in the queue while the server runs, and runs it", async () => {
    const db = await openTestPGlite();
    const { source } = await seed(db);
    const { ingestion, calls } = fakeIngestion("succeed");
    const runner = createJobRunner(
      { prisma: db.prisma, logger: silentLogger, ingestion, events: createSourceEvents(), pglite: true },
      { leaseMs: 1000, retryBaseMs: 0 },
    );
    runners.push(runner);
    await runner.start();
    // A job its runner lost: RUNNING, its last heartbeat long ago (a result write that never landed).
    await db.prisma.ingestionJob.create({ data: { sourceId: source.id, status: "RUNNING", attempts: 1, lockedAt: new Date(Date.now() - 60_000) } });
    const job = await until(
      () => db.prisma.ingestionJob.findFirstOrThrow({ where: { sourceId: source.id } }),
      (j) => j.status === "SUCCEEDED",
    );
    expect(job.status).toBe("SUCCEEDED");
    expect(calls).toEqual([source.id]);
  });
});
