/**
 * `npm run restore -- <file>`: loads a backup from `npm run backup` into the
 * embedded database of an empty DATA_DIR, with no server running on it. The
 * server started afterwards applies any newer migrations.
 */
import path from "node:path";
import { mkdir } from "node:fs/promises";
import { loadConfig } from "../config.js";
import { restoreBackup } from "../db/backup.js";
import { acquireDirLock } from "../db/dir-lock.js";

const file = process.argv[2];
if (!file) fail("usage: npm run restore -- <file>");
const config = loadConfig();
if (config.DATABASE_URL) fail("DATABASE_URL is set: restore PostgreSQL with psql -f <file> (see the README's Backups).");
await mkdir(config.dataDir, { recursive: true });
const release = await acquireDirLock(path.join(config.dataDir, "parley.lock")).catch((error: Error) => fail(error.message));
let failure: string | undefined;
try {
  await restoreBackup(file, path.join(config.dataDir, "pgdata"));
} catch (error) {
  failure = error instanceof Error ? error.message : String(error);
} finally {
  await release();
}
if (failure) fail(failure);
process.stderr.write(`parley: ${file} restored into ${config.dataDir}\n`);

function fail(message: string): never {
  process.stderr.write(`parley: ${message}\n`);
  process.exit(1);
}
