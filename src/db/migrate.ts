import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger.js";
import { projectPath } from "../paths.js";

/** Where `npm run migration:new` writes migrations. */
export const MIGRATIONS_DIR = projectPath("prisma", "migrations");

/**
 * What the migrator needs from a database. PGlite and node-postgres both run
 * multi-statement SQL files as they are, which is why migrations are applied
 * here rather than by `prisma migrate` (which never exits on PGlite).
 */
export interface MigrationConnection {
  /** Runs `fn` while holding a lock that other Parley instances also take. */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a migration file and records it, all or nothing. */
  transaction(fn: (tx: { exec(sql: string): Promise<void>; query(sql: string, params?: unknown[]): Promise<unknown> }) => Promise<void>): Promise<void>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/**
 * Applies the migrations not yet recorded in `_parley_migrations`, in name
 * order, each in its own transaction. An applied migration whose file has
 * since changed stops start-up: the database would no longer match the code.
 */
export async function migrate(conn: MigrationConnection, logger: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  return conn.withLock(async () => {
    await conn.query(`CREATE TABLE IF NOT EXISTS "_parley_migrations" (
      "name" text PRIMARY KEY,
      "checksum" text NOT NULL,
      "applied_at" timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await conn.query<{ name: string; checksum: string }>(`SELECT "name", "checksum" FROM "_parley_migrations"`);
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const known = new Set(migrations.map((m) => m.name));
    const unknown = [...applied.keys()].filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new MigrationError(`The database has migrations this version of Parley does not know (${unknown.join(", ")}): it was migrated by a newer version.`);
    }
    const done: string[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new MigrationError(`Migration ${migration.name} was changed after it was applied; write a new migration instead of editing an applied one.`);
        }
        continue;
      }
      const started = Date.now();
      try {
        await conn.transaction(async (tx) => {
          await tx.exec(migration.sql);
          await tx.query(`INSERT INTO "_parley_migrations" ("name", "checksum") VALUES ($1, $2)`, [migration.name, migration.checksum]);
        });
      } catch (error) {
        throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      logger.info("migration applied", { migration: migration.name, ms: Date.now() - started });
      done.push(migration.name);
    }
    return done;
  });
}
