import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "@prisma/client";
import pg from "pg";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { acquireDirLock } from "./dir-lock.js";
import { migrate, type MigrationConnection } from "./migrate.js";
import { createPGliteAdapter } from "./pglite-adapter.js";
import { VECTOR_SEARCH_SETTINGS } from "./vector.js";

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: PrismaClient;
  /** Migrations applied while opening (empty when the schema was current). */
  readonly appliedMigrations: readonly string[];
  /** A round trip to the database; resolves to its latency in ms. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; the embedded PGlite is used when absent. */
  url?: string | undefined;
  /** PGlite's data folder lives in `<dataDir>/pgdata`. */
  dataDir: string;
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
    logger,
    poolSize: config.DATABASE_POOL_SIZE,
    logQueries: config.LOG_LEVEL === "debug",
  };
}

/** Opens the database chosen by the options and brings its schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPGlite(options);
}

/**
 * A source's extracted text can be megabytes; nothing reads it back today,
 * and every source row read or returned by an update would carry it (~40 ms
 * of the event loop per 10 MB on PGlite). Select it explicitly when needed.
 */
const OMIT = { source: { content: true } } as const;

/** The Prisma client, logging its SQL (not its parameters) when asked. */
function prismaClient(adapter: Prisma.PrismaClientOptions["adapter"], { logger, logQueries }: DatabaseOptions): PrismaClient {
  if (!logQueries) return new PrismaClient({ adapter, omit: OMIT }) as unknown as PrismaClient;
  const client = new PrismaClient({ adapter, omit: OMIT, log: [{ emit: "event", level: "query" }] });
  client.$on("query", (event) => logger.debug("sql", { query: event.query, ms: event.duration }));
  return client as unknown as PrismaClient;
}

async function openPGlite(options: DatabaseOptions): Promise<Database> {
  const { dataDir, logger } = options;
  await mkdir(dataDir, { recursive: true });
  // PGlite is one process's database: a second process on the same folder corrupts it.
  const releaseLock = await acquireDirLock(path.join(dataDir, "parley.lock"));
  let pglite: PGlite | undefined;
  try {
    pglite = new PGlite(path.join(dataDir, "pgdata"), { extensions: { vector } });
    await pglite.waitReady;
    const db = pglite;
    const appliedMigrations = await migrate(pgliteMigrationConnection(db), logger);
    await db.exec(VECTOR_SEARCH_SETTINGS); // one session for the whole process
    const prisma = prismaClient(createPGliteAdapter(db), options);
    return {
      kind: "pglite",
      prisma,
      appliedMigrations,
      ping: () => timed(() => db.query("SELECT 1")),
      async close() {
        await prisma.$disconnect();
        await db.close();
        await releaseLock();
      },
    };
  } catch (error) {
    await pglite?.close().catch(() => {});
    await releaseLock();
    throw error;
  }
}

/** PGlite is one connection in one process: there is nobody to lock out. */
export function pgliteMigrationConnection(db: PGlite): MigrationConnection {
  return {
    withLock: (fn) => fn(),
    query: async <R>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows,
    transaction: async (fn) => {
      await db.transaction(async (tx) =>
        fn({ exec: async (sql) => void (await tx.exec(sql)), query: (sql, params) => tx.query(sql, params) }),
      );
    },
  };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const { logger, poolSize = 10 } = options;
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that errors (server restart) must not crash the process.
  pool.on("error", (error) => logger.warn("postgres pool error", { error: error.message }));
  // Queued before anything the pool hands the client out for, so it runs first.
  pool.on("connect", (client) => {
    client.query(VECTOR_SEARCH_SETTINGS).catch((error: Error) => logger.warn("could not apply the vector search settings", { error: error.message }));
  });
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
      kind: "postgres",
      prisma,
      appliedMigrations,
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
