import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import { PGlite } from "@electric-sql/pglite";
import { migrate, MigrationError, type MigrationConnection } from "../src/db/migrate.js";
import { tempDir } from "./helpers/app.js";
import { silentLogger } from "./helpers/db.js";

/** An in-memory PGlite as the migrator's connection: one session, nobody to lock out. */
function connection(db: PGlite): MigrationConnection {
  return {
    withLock: (fn) => fn(),
    query: async <R>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows,
    transaction: async (fn) => {
      await db.transaction(async (tx) => fn({ exec: async (sql) => void (await tx.exec(sql)), query: (sql, params) => tx.query(sql, params) }));
    },
  };
}

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

describe("the migrator", () => {
  it("applies pending migrations in order, once", async () => {
    const db = new PGlite();
    const dir = await migrationsDir({ "001_a": "CREATE TABLE a (id int);", "002_b": "CREATE TABLE b (id int);" });
    expect(await migrate(connection(db), silentLogger, dir)).toEqual(["001_a", "002_b"]);
    expect(await migrate(connection(db), silentLogger, dir)).toEqual([]);
    await db.close();
  });

  it("rolls back a failing migration entirely and records nothing", async () => {
    const db = new PGlite();
    const dir = await migrationsDir({ "001_bad": "CREATE TABLE c (id int); SELECT * FROM missing_table;" });
    await expect(migrate(connection(db), silentLogger, dir)).rejects.toThrow(/Migration 001_bad failed: .*missing_table/);
    const tables = await db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'c'`);
    expect(tables.rows).toHaveLength(0);
    const recorded = await db.query(`SELECT 1 FROM "_parley_migrations"`);
    expect(recorded.rows).toHaveLength(0);
    await db.close();
  });

  it("refuses to start when an applied migration was edited, or the database is newer than the code", async () => {
    const db = new PGlite();
    await migrate(connection(db), silentLogger, await migrationsDir({ "001_a": "CREATE TABLE a (id int);" }));
    const edited = await migrationsDir({ "001_a": "CREATE TABLE a (id bigint);" });
    await expect(migrate(connection(db), silentLogger, edited)).rejects.toThrow(MigrationError);
    await expect(migrate(connection(db), silentLogger, edited)).rejects.toThrow(/changed after it was applied/);
    const older = await migrationsDir({});
    await expect(migrate(connection(db), silentLogger, older)).rejects.toThrow(/migrated by a newer version/);
    await db.close();
  });
});
