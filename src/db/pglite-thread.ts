import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type pg from "pg";
import type { Logger } from "../logger.js";
import type { PGliteWorkerData, PGliteWorkerMessage, PGliteWorkerRequest } from "./pglite-worker.js";

export interface PGliteThread {
  /** How `pg` reaches the thread's socket. */
  readonly connection: pg.PoolConfig;
  /** Writes a pg_dump of the database to `file` while it goes on serving (see backup.ts); resolves to its size in bytes. */
  backup(file: string): Promise<number>;
  /** Stops serving and closes PGlite, which flushes its data folder. */
  close(): Promise<void>;
}

/** How long a closing PGlite may take to flush before its thread is ended. */
const CLOSE_TIMEOUT_MS = 30_000;
const SOCKET_PORT = 5432;

/**
 * Starts PGlite in its own worker thread (see pglite-worker.ts) serving
 * `dataDir` on a unix socket in a fresh private folder (0700, and short
 * enough for the socket path limit wherever the data folder lives).
 */
export async function startPGliteThread(dataDir: string, logger: Logger): Promise<PGliteThread> {
  const socketDir = await mkdtemp(path.join(os.tmpdir(), "parley-db-"));
  const worker = await startWorker({ dataDir, socketPath: path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`) });
  let closing = false;
  try {
    await ready(worker);
  } catch (error) {
    await worker.terminate();
    await rm(socketDir, { recursive: true, force: true });
    throw error;
  }
  worker.on("error", (error) => logger.error("the embedded database failed", { error }));
  worker.on("exit", (code) => {
    if (!closing) logger.error("the embedded database stopped", { code });
  });
  // Like an in-process PGlite, the thread alone does not keep the process
  // alive (a caller that never closes it still exits); close() holds it again.
  worker.unref();
  let backups = 0;
  return {
    connection: { host: socketDir, port: SOCKET_PORT, user: "postgres", database: "postgres" },
    backup(file) {
      const id = ++backups;
      return new Promise((resolve, reject) => {
        const onMessage = (message: PGliteWorkerMessage) => {
          if (message.type !== "backed-up" || message.id !== id) return;
          worker.off("message", onMessage);
          if (message.error !== undefined) reject(new Error(`backup failed: ${message.error}`));
          else resolve(message.bytes!);
        };
        worker.on("message", onMessage);
        worker.postMessage({ type: "backup", id, file } satisfies PGliteWorkerRequest);
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      worker.ref(); // until PGlite has flushed its folder
      const closed = once(worker, "exit");
      worker.postMessage("close" satisfies PGliteWorkerRequest);
      const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

/**
 * The worker module beside this one. From source it is TypeScript, which a
 * thread cannot load without a loader of its own: registering tsx in every
 * thread cost about 0.2 s of CPU per database opened (the tests open a
 * hundred). It is bundled to JavaScript once per process instead.
 */
async function startWorker(workerData: PGliteWorkerData): Promise<Worker> {
  const fromSource = new URL(import.meta.url).pathname.endsWith(".ts");
  const url = new URL(`./pglite-worker.${fromSource ? "ts" : "js"}`, import.meta.url);
  return new Worker(fromSource ? await (bundled ??= bundle(url)) : url, { workerData });
}

let bundled: Promise<URL> | undefined;

/**
 * The worker and the project files it imports as one ES module (packages
 * stay imports), written under node_modules/.cache so those resolve, named
 * by its content so that processes running at once share it safely.
 */
async function bundle(entry: URL): Promise<URL> {
  const { build } = await import("esbuild");
  const { outputFiles } = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    target: "node20",
    write: false,
  });
  const code = outputFiles[0]!.text;
  const dir = fileURLToPath(new URL("../../node_modules/.cache/parley/", import.meta.url));
  const file = path.join(dir, `pglite-worker-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    await writeFile(partial, code);
    await rename(partial, file);
  }
  return pathToFileURL(file);
}

function ready(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onMessage = (message: PGliteWorkerMessage) => {
      cleanup();
      if (message.type === "ready") resolve();
      else reject(new Error(message.type === "failed" ? message.message : "the embedded database closed while opening"));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the embedded database's thread exited while opening (code ${code})`));
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}
