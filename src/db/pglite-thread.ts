import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type pg from "pg";
import { runnableScript } from "../from-source.js";
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
export async function startPGliteThread(
  dataDir: string,
  logger: Logger,
  { sharedBuffersMb }: { sharedBuffersMb?: number | undefined } = {},
): Promise<PGliteThread> {
  const socketDir = await mkdtemp(path.join(os.tmpdir(), "parley-db-"));
  const worker = await startWorker({ dataDir, socketPath: path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`), sharedBuffersMb });
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
 * The worker module beside this one (bundled once when run from source: see
 * runnableScript). It is plain JavaScript, so the thread gets none of the
 * process's loaders and preloads (`execArgv`, inherited by default): tsx's
 * would cost each thread its start again, and a preload such as a profiler
 * or a bench's probe is meant for the main thread only.
 */
async function startWorker(workerData: Omit<PGliteWorkerData, "wasmModule">): Promise<Worker> {
  const [script, wasmModule] = await Promise.all([runnableScript(import.meta.url, "pglite-worker"), compiledPGlite()]);
  return new Worker(script, { workerData: { ...workerData, wasmModule } satisfies PGliteWorkerData, execArgv: [] });
}

/**
 * Where a process keeps PGlite's compiled WebAssembly. A database's thread
 * compiling it itself took ~0.4 s of CPU, half of opening the database; a
 * host that evaluates this module more than once in one process (jest, once
 * per test file) may put one compile here for all of them.
 */
const COMPILED_PGLITE = Symbol.for("parley.pglite.wasm");

/** PGlite's WebAssembly, compiled once per process and handed to each database thread. */
function compiledPGlite(): Promise<WebAssembly.Module> {
  const holder = globalThis as { [COMPILED_PGLITE]?: Promise<WebAssembly.Module> };
  const held = holder[COMPILED_PGLITE];
  if (held) return held;
  const compiled = compilePGlite();
  holder[COMPILED_PGLITE] = compiled;
  // A failed compile is not kept: the next open tries again.
  compiled.catch(() => {
    if (holder[COMPILED_PGLITE] === compiled) delete holder[COMPILED_PGLITE];
  });
  return compiled;
}

/** Compiles the pglite.wasm that @electric-sql/pglite would load itself (beside its entry point). */
async function compilePGlite(): Promise<WebAssembly.Module> {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  return WebAssembly.compile(await readFile(path.join(path.dirname(entry), "pglite.wasm")));
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
