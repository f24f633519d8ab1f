import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "@prisma/client";
import pg from "pg";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { acquireDirLock } from "./dir-lock.js";
import { migrate, type MigrationConnection } from "./migrate.js";
import { startPGliteThread, type PGliteThread } from "./pglite-thread.js";
import { VECTOR_SEARCH_SETTINGS } from "./vector.js";

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: PrismaClient;
  /** Migrations applied while opening (empty when the schema was current). */
  readonly appliedMigrations: readonly string[];
  /**
   * Writes a plain-SQL pg_dump of the embedded database to `file` while it
   * serves; resolves to its size. Absent on PostgreSQL: its own pg_dump does this.
   */
  backup?(file: string): Promise<number>;
  /**
   * A statement sent through the pool without Prisma; resolves to the rows it
   * changed. For bulk writes with large binary parameters (storeChunks'
   * vectors and text entries): Prisma encodes those in base64 and passes
   * them through its query compiler, which cost the server's thread ~90 µs a
   * chunk; `pg` sends them as they are.
   */
  execute(sql: string, params: readonly unknown[]): Promise<number>;
  /** A round trip to the database; resolves to its latency in ms. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; the embedded PGlite is used when absent. */
  url?: string | undefined;
  /** PGlite's data folder lives in `<dataDir>/pgdata`. */
  dataDir: string;
  /** PGlite's page cache (shared_buffers) in MB. @default 128 */
  sharedBuffersMb?: number;
  logger: Logger;
  /** @default 10 */
  poolSize?: number;
  /** Log every SQL statement Prisma runs, at debug level. @default false */
  logQueries?: boolean;
}

/** The one place that decides which database Parley runs on. */
export function databaseOptions(config: Config, logger: Logger): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    dataDir: config.dataDir,
    sharedBuffersMb: config.PGLITE_SHARED_BUFFERS_MB,
    logger,
    poolSize: config.DATABASE_POOL_SIZE,
    logQueries: config.LOG_LEVEL === "debug",
  };
}

/** Opens the database chosen by the options and brings its schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPool("postgres", { connectionString: options.url }, options) : openPGlite(options);
}

/** The Prisma client, logging its SQL (not its parameters) when asked. */
function prismaClient(adapter: Prisma.PrismaClientOptions["adapter"], { logger, logQueries }: DatabaseOptions): PrismaClient {
  if (!logQueries) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  client.$on("query", (event) => logger.debug("sql", { query: event.query, ms: event.duration }));
  return client as unknown as PrismaClient;
}

async function openPGlite(options: DatabaseOptions): Promise<Database> {
  const { dataDir, logger, sharedBuffersMb } = options;
  await mkdir(dataDir, { recursive: true });
  // PGlite is one process's database: a second process on the same folder corrupts it.
  const releaseLock = await acquireDirLock(path.join(dataDir, "parley.lock"));
  let thread: PGliteThread | undefined;
  try {
    thread = await startPGliteThread(path.join(dataDir, "pgdata"), logger, { sharedBuffersMb });
    // PGlite is one session: one client, so that no two conversations interleave on it.
    const db = await openPool("pglite", thread.connection, { ...options, poolSize: 1 });
    const opened = thread;
    return {
      ...db,
      backup: (file) => opened.backup(file),
      async close() {
        await db.close();
        await opened.close();
        await releaseLock();
      },
    };
  } catch (error) {
    await thread?.close().catch(() => {});
    await releaseLock();
    throw error;
  }
}

/** A PostgreSQL server, or the embedded one's thread, through `pg` and @prisma/adapter-pg. */
async function openPool(kind: DatabaseKind, connection: pg.PoolConfig, options: DatabaseOptions): Promise<Database> {
  const { logger, poolSize = 10 } = options;
  const pool = new pg.Pool({
    ...connection,
    max: poolSize,
    // Awaited before the pool hands the client out, so every session searches alike.
    // @types/pg says void, but pg-pool awaits a returned promise before handing the client out.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    onConnect: async (client) => {
      await client.query(VECTOR_SEARCH_SETTINGS).catch((error: Error) => logger.warn("could not apply the vector search settings", { error: error.message }));
    },
  });
  // An idle client that errors (server restart) must not crash the process.
  pool.on("error", (error) => logger.warn("database pool error", { error: error.message }));
  try {
    const conn = await postgresMigrationConnection(pool);
    let appliedMigrations: string[];
    try {
      appliedMigrations = await migrate(conn, logger);
    } finally {
      conn.release();
    }
    const prisma = prismaClient(new PrismaPg(pool), options);
    return {
      kind,
      prisma,
      appliedMigrations,
      execute: async (sql, params) => (await pool.query(sql, params as unknown[])).rowCount ?? 0,
      ping: () => timed(() => pool.query("SELECT 1")),
      async close() {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
}

// A session-level advisory lock on one dedicated connection, so that two
// instances starting together apply each migration once.
const MIGRATION_LOCK_KEY = 7_230_117_001;

async function postgresMigrationConnection(pool: pg.Pool): Promise<MigrationConnection & { release(): void }> {
  const client = await pool.connect();
  return {
    release: () => client.release(),
    async withLock(fn) {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      try {
        return await fn();
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
      }
    },
    query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
    async transaction(fn) {
      await client.query("BEGIN");
      try {
        await fn({ exec: async (sql) => void (await client.query(sql)), query: (sql, params) => client.query(sql, params) });
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    },
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return Math.round((performance.now() - started) * 100) / 100;
}
