import { afterAll } from "@jest/globals";
import { existsSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { openDatabase, type Database } from "../../src/db/index.js";
import { pgliteStartParams } from "../../src/db/pglite-options.js";
import { createLogger } from "../../src/logger.js";
import { seedFromTemplate, tempDir, TEST_SHARED_BUFFERS_MB } from "./app.js";
import { useBatchQueue } from "./batch-queue.js";

const open = new Set<{ close(): Promise<void> }>();
afterAll(async () => {
  for (const item of [...open].reverse()) await item.close();
});

export const silentLogger = createLogger("silent");

/** Parley's embedded database in a fresh folder, migrated. */
export async function openTestPGlite(): Promise<Database> {
  const dataDir = await tempDir();
  await seedFromTemplate(dataDir);
  const db = await openDatabase({ dataDir, logger: silentLogger, sharedBuffersMb: Number(TEST_SHARED_BUFFERS_MB) });
  open.add(db);
  return db;
}

/**
 * A PostgreSQL server speaking the real wire protocol (PGlite with pgvector
 * behind @electric-sql/pglite-socket), so the `pg` driver and
 * @prisma/adapter-pg path is exercised without a PostgreSQL install.
 * By default it serves one connection at a time, hence the pool of one;
 * with `maxConnections` it takes several, running one connection's batch of
 * statements, or its transaction, to its end before another's (BatchQueue).
 */
export async function startPostgresServer({ maxConnections = 1, fresh = false } = {}): Promise<{ url: string }> {
  // Migrated already (a copy of the suite's template), unless the test is about migrating: applying them all
  // through the wire protocol cost about a second of CPU per server.
  const pglite = await templatePGlite({ empty: fresh });
  const server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0, maxConnections });
  useBatchQueue(server, pglite);
  await server.start();
  open.add({ close: () => pglite.close() });
  open.add({ close: () => server.stop() });
  return { url: `postgresql://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable` };
}

/**
 * A PGlite of its own, started from a copy of the suite's migrated
 * template, or (`empty`) of its database as initdb leaves it; a new one
 * (initdb in memory, ~2.6 s of CPU) when the run made none.
 */
export async function templatePGlite({ empty = false } = {}): Promise<PGlite> {
  const folder = await tempDir();
  await seedFromTemplate(folder, { empty });
  const dataDir = path.join(folder, "pgdata");
  const options = { extensions: { vector }, ...pgliteStartParams(Number(TEST_SHARED_BUFFERS_MB)) };
  const pglite = existsSync(dataDir) ? new PGlite(dataDir, options) : new PGlite(options);
  await pglite.waitReady;
  return pglite;
}

export async function openTestPostgres(): Promise<Database> {
  const { url } = await startPostgresServer();
  const db = await openDatabase({ url, dataDir: await tempDir(), logger: silentLogger, poolSize: 1 });
  open.add(db);
  return db;
}
