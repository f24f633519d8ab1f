import { cp, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import type { PGlite } from "@electric-sql/pglite";
import { migrate, MIGRATIONS_DIR, MigrationError, readMigrations, type MigrationConnection } from "../src/db/migrate.js";
import { botGraph } from "../src/db/vector.js";
import { tempDir } from "./helpers/app.js";
import { silentLogger, templatePGlite } from "./helpers/db.js";

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
    const db = await templatePGlite({ empty: true });
    const dir = await migrationsDir({ "001_a": "CREATE TABLE a (id int);", "002_b": "CREATE TABLE b (id int);" });
    expect(await migrate(connection(db), silentLogger, dir)).toEqual(["001_a", "002_b"]);
    expect(await migrate(connection(db), silentLogger, dir)).toEqual([]);
    await db.close();
  });

  it("rolls back a failing migration entirely and records nothing", async () => {
    const db = await templatePGlite({ empty: true });
    const dir = await migrationsDir({ "001_bad": "CREATE TABLE c (id int); SELECT * FROM missing_table;" });
    await expect(migrate(connection(db), silentLogger, dir)).rejects.toThrow(/Migration 001_bad failed: .*missing_table/);
    const tables = await db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'c'`);
    expect(tables.rows).toHaveLength(0);
    const recorded = await db.query(`SELECT 1 FROM "_parley_migrations"`);
    expect(recorded.rows).toHaveLength(0);
    await db.close();
  });

  it("refuses to start when an applied migration was edited, or the database is newer than the code", async () => {
    const db = await templatePGlite({ empty: true });
    await migrate(connection(db), silentLogger, await migrationsDir({ "001_a": "CREATE TABLE a (id int);" }));
    const edited = await migrationsDir({ "001_a": "CREATE TABLE a (id bigint);" });
    await expect(migrate(connection(db), silentLogger, edited)).rejects.toThrow(MigrationError);
    await expect(migrate(connection(db), silentLogger, edited)).rejects.toThrow(/changed after it was applied/);
    const older = await migrationsDir({});
    await expect(migrate(connection(db), silentLogger, older)).rejects.toThrow(/migrated by a newer version/);
    await db.close();
  });

  it("gives each large bot's chunks a graph of their own, built from what they hold, and takes a small bot's out", async () => {
    const db = await templatePGlite({ empty: true });
    const dir = await tempDir();
    const BOT_GRAPHS = "20261207072500_bot_graphs";
    // The migrations before it, applied; then it alone.
    for (const { name } of await readMigrations()) if (name < BOT_GRAPHS) await cp(path.join(MIGRATIONS_DIR, name), path.join(dir, name), { recursive: true });
    await migrate(connection(db), silentLogger, dir);
    // As the migration before left them: every chunk of both bots in the one shared graph.
    const { rows } = await db.query<{ large: string }>(`
      WITH w AS (INSERT INTO workspaces (id, name, updated_at) VALUES (gen_random_uuid(), 'w', now()) RETURNING id),
           b AS (INSERT INTO bots (id, workspace_id, name, updated_at) SELECT gen_random_uuid(), w.id, n, now() FROM w, (VALUES ('large'), ('small')) v(n) RETURNING id, name),
           s AS (INSERT INTO sources (id, bot_id, kind, connector, name, chunk_count, updated_at)
                 SELECT gen_random_uuid(), b.id, 'TEXT', 'text', b.name, CASE b.name WHEN 'large' THEN 5000 ELSE 20 END, now() FROM b RETURNING id, bot_id)
      INSERT INTO chunks (bot_id, source_id, source_type, content, chunk_index, embedding, in_graph)
      SELECT s.bot_id, s.id, 'TEXT', 'chunk ' || n, n, ('[' || array_to_string(array_fill(n::float4, ARRAY[384]), ',') || ']')::vector, true
      FROM s, generate_series(1, 20) n
      RETURNING (SELECT id::text FROM b WHERE name = 'large') AS large`);
    const { large } = rows[0]!;
    await cp(path.join(MIGRATIONS_DIR, BOT_GRAPHS), path.join(dir, BOT_GRAPHS), { recursive: true });
    expect(await migrate(connection(db), silentLogger, dir)).toEqual([BOT_GRAPHS]);
    const graphs = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'chunks' AND indexdef LIKE '%hnsw%'`);
    expect(graphs.rows.map((r) => r.indexname)).toEqual([botGraph(large).name]);
    const inGraph = await db.query<{ bot: string; n: number }>(`SELECT bot_id::text AS bot, count(*)::int AS n FROM chunks WHERE in_graph GROUP BY bot_id`);
    expect(inGraph.rows).toEqual([{ bot: large, n: 20 }]);
    await db.close();
  });
});
