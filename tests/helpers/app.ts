import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll } from "@jest/globals";
import { buildApp, type App, type BuildAppOptions } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config.js";

export interface TestApp {
  app: App;
  config: Config;
  url: string;
  port: number;
  dataDir: string;
  /** Stops the app (idempotent); the data folder stays until the test file ends. */
  stop(): Promise<void>;
}

const started = new Set<TestApp>();
const dirs = new Set<string>();

afterAll(async () => {
  await Promise.all([...started].map((t) => t.stop()));
  // A stopped database thread may still be writing its last files: rm retries ENOTEMPTY.
  await Promise.all([...dirs].map((d) => rm(d, { recursive: true, force: true, maxRetries: 5 })));
});

export async function tempDir(prefix = "parley-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/**
 * Starts Parley on port 0 (or `env.PORT`, when its public URL must be known
 * first) against a new PGlite folder copied from the run's migrated template
 * (or `env.DATA_DIR`; `fresh: true` migrates an empty one, as a first start does).
 * Password hashing is made cheap (PASSWORD_HASH_COST=10) to keep tests quick,
 * and so is PGlite's start (a 16 MB page cache, which a test's data fits).
 */
/** The page cache of the tests' embedded databases (PGLITE_SHARED_BUFFERS_MB): 16 MB starts ~0.15 s of CPU quicker than 128. */
export const TEST_SHARED_BUFFERS_MB = "16";

export async function startApp(env: Record<string, string> = {}, options: BuildAppOptions & { fresh?: boolean } = {}): Promise<TestApp> {
  const { fresh, ...buildOptions } = options;
  const dataDir = env.DATA_DIR ?? (await tempDir());
  if (!fresh && !options.db && !env.DATABASE_URL) await seedFromTemplate(dataDir);
  const config = loadConfig({
    LOG_LEVEL: "silent",
    SHUTDOWN_TIMEOUT_MS: "2000",
    PASSWORD_HASH_COST: "10",
    PGLITE_SHARED_BUFFERS_MB: TEST_SHARED_BUFFERS_MB,
    PORT: "0",
    ...env,
    DATA_DIR: dataDir,
  });
  const app = await buildApp(config, buildOptions);
  const { url, port } = await app.start(config.PORT);
  const handle: TestApp = {
    app,
    config,
    url,
    port,
    dataDir,
    async stop() {
      started.delete(handle);
      await app.stop();
    },
  };
  started.add(handle);
  return handle;
}

/**
 * A new data folder starts as a copy of the run's migrated template
 * database (tests/global-setup.mjs) rather than migrating a fresh one, or
 * of its empty one (initdb's work done once a run, not per test); a
 * folder that holds a database already is left as it is. Copied by `cp`:
 * its 1,100 files took Node's fs.cp 0.5 to 0.9 s of CPU, `cp -Rp` 0.14 s,
 * and the suite makes about a hundred of them.
 */
export async function seedFromTemplate(dataDir: string, { empty = false } = {}): Promise<void> {
  // `empty`: the database as initdb leaves it, no migration applied (for the tests of migrating).
  const template = empty ? process.env.PARLEY_TEST_EMPTY_TEMPLATE : process.env.PARLEY_TEST_TEMPLATE;
  const pgdata = path.join(dataDir, "pgdata");
  if (!template || existsSync(pgdata)) return;
  await mkdir(dataDir, { recursive: true });
  await promisify(execFile)("cp", ["-Rp", template, pgdata]);
}

/** A port free now, for a server whose address must be known before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
