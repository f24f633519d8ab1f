/**
 * Backup and restore of the embedded database as plain SQL, written by
 * pg_dump itself (the WebAssembly build in @electric-sql/pglite-tools), so
 * that `psql` can load a backup into any PostgreSQL with pgvector, and
 * `restoreBackup` into a new embedded database.
 */
import { readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { pgDump } from "@electric-sql/pglite-tools/pg_dump";
import { VECTOR_SEARCH_SETTINGS } from "./vector.js";

/** A simple-query ('Q') message: SQL on PGlite's session without its query lock, which the caller holds. */
function run(db: PGlite, sql: string): Promise<void> {
  const body = Buffer.from(`${sql}\0`, "utf8");
  const message = Buffer.alloc(5 + body.length);
  message.write("Q", 0, "latin1");
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return db.execProtocolRawStream(new Uint8Array(message), { onRawData: () => {} });
}

/**
 * pg_dump on PGlite's one session, while the server goes on using it. It
 * runs holding PGlite's query lock, so the socket server's connections wait,
 * and only between their transactions (it waits for one in progress to
 * end). pg_dump leaves its own read-only transaction open and its session
 * settings behind (search_path '', extra_float_digits…): both are undone
 * before the lock is released.
 */
export async function dumpDatabase(db: PGlite): Promise<string> {
  const searchPath = (await db.query<{ search_path: string }>("SHOW search_path")).rows[0]!.search_path;
  for (;;) {
    const sql = await db.runExclusive(async () => {
      if (db.isInTransaction()) return undefined;
      // pgDump's own queries would take the lock held here: they are answered, or run, without it.
      const session = {
        query: async () => ({ rows: [{ search_path: searchPath }] }),
        exec: (statement: string) => run(db, statement),
        execProtocolRawStream: db.execProtocolRawStream.bind(db),
      } as unknown as PGlite;
      try {
        return await (await pgDump({ pg: session })).text();
      } finally {
        if (db.isInTransaction()) await run(db, "ROLLBACK");
        await run(db, `RESET ALL; DEALLOCATE ALL; ${VECTOR_SEARCH_SETTINGS}`);
      }
    });
    if (sql !== undefined) return sql;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes a backup next to `file` first, so a reader never sees half of one. */
export async function writeBackup(db: PGlite, file: string): Promise<number> {
  const sql = await dumpDatabase(db);
  await writeFile(`${file}.partial`, sql, { mode: 0o600 });
  await rename(`${file}.partial`, file);
  return Buffer.byteLength(sql);
}

/**
 * Loads a backup into a new embedded database folder, built beside it and
 * renamed into place only once complete. Refuses a folder that already
 * holds a database: a restore never overwrites data.
 */
export async function restoreBackup(file: string, pgdata: string): Promise<void> {
  const existing = await readdir(pgdata).catch(() => []);
  if (existing.length) throw new Error(`${pgdata} already holds a database; restore into an empty DATA_DIR`);
  const sql = await readFile(file, "utf8");
  const building = `${pgdata}.restoring`;
  await rm(building, { recursive: true, force: true });
  const db = new PGlite(building, { extensions: { vector } });
  try {
    await db.exec(sql);
    await db.close();
  } catch (error) {
    await db.close().catch(() => {});
    await rm(building, { recursive: true, force: true });
    throw error;
  }
  await rm(pgdata, { recursive: true, force: true });
  await rename(building, pgdata);
}
