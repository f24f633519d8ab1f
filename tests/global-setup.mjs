import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { tsImport } from "tsx/esm/api";

/**
 * Once per run: an embedded database with every migration applied, which
 * each test's database starts as a copy of (seedFromTemplate in
 * tests/helpers/app.ts), and one as initdb leaves it, for the tests of
 * migrating. Migrating a fresh PGlite took ~3.5 s; copying this one and
 * opening it ~1.3 s. initdb alone is ~2.6 s of CPU; opening a copy of its
 * result ~0.3 s. JavaScript loading the TypeScript through tsx: jest's
 * module mapping does not reach global setup files.
 */
export default async function globalSetup() {
  // The api and browser projects both ask for it; one run makes it once.
  if (process.env.PARLEY_TEST_TEMPLATE) return;
  const { openDatabase } = await tsImport("../src/db/index.ts", import.meta.url);
  const { createLogger } = await tsImport("../src/logger.ts", import.meta.url);
  const dir = await mkdtemp(path.join(os.tmpdir(), "parley-template-"));
  const empty = path.join(dir, "empty");
  await new PGlite(empty).close();
  await promisify(execFile)("cp", ["-Rp", empty, path.join(dir, "pgdata")]);
  const db = await openDatabase({ dataDir: dir, logger: createLogger("silent") });
  await db.close();
  // Workers are started after this, and inherit them.
  process.env.PARLEY_TEST_TEMPLATE = path.join(dir, "pgdata");
  process.env.PARLEY_TEST_EMPTY_TEMPLATE = empty;
}
