/**
 * The embedded database's own thread: PGlite (with pgvector) served over the
 * PostgreSQL wire protocol on a private unix socket. PGlite runs each
 * statement synchronously in WebAssembly, so on the server's thread a 400 ms
 * VACUUM or a large batch of chunks would stall every request for as long;
 * here it stalls only this thread, and the server talks to it through `pg`
 * like to any PostgreSQL. Started and stopped by src/db/pglite-thread.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { writeBackup } from "./backup.js";
import { pgliteStartParams } from "./pglite-options.js";

export interface PGliteWorkerData {
  /** PGlite's data folder. */
  dataDir: string;
  /** The unix socket to serve on. */
  socketPath: string;
  /** PGlite's WebAssembly, compiled by the process once for all its databases (see compiledPGlite). */
  wasmModule: WebAssembly.Module;
  /** shared_buffers in MB; PostgreSQL's own 128 when absent. */
  sharedBuffersMb?: number | undefined;
}

export type PGliteWorkerMessage =
  { type: "ready" } | { type: "failed"; message: string } | { type: "closed" } | { type: "backed-up"; id: number; bytes?: number; error?: string };

/** What the server's thread asks: to close, or to write a backup to a file. */
export type PGliteWorkerRequest = "close" | { type: "backup"; id: number; file: string };

const port = parentPort;
if (!port) throw new Error("pglite-worker runs as a worker thread");
const { dataDir, socketPath, wasmModule, sharedBuffersMb } = workerData as PGliteWorkerData;
const send = (message: PGliteWorkerMessage) => port.postMessage(message);

let db: PGlite | undefined;
let server: PGLiteSocketServer | undefined;
try {
  db = new PGlite(dataDir, { extensions: { vector }, pgliteWasmModule: wasmModule, ...pgliteStartParams(sharedBuffersMb) });
  await db.waitReady;
  // One connection: the server's pool is one client, and the socket server
  // interleaves connections message by message on PGlite's one session.
  server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  await server.start();
  send({ type: "ready" });
} catch (error) {
  await db?.close().catch(() => {});
  send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  port.close();
}

port.on("message", (message: PGliteWorkerRequest) => {
  if (message !== "close") return void backUp(message);
  void (async () => {
    try {
      await server?.stop();
      await db?.close(); // flushes the data folder: never leave it to thread termination
    } finally {
      send({ type: "closed" });
      port.close();
    }
  })();
});

async function backUp({ id, file }: { id: number; file: string }) {
  try {
    if (!db) throw new Error("the embedded database is not open");
    send({ type: "backed-up", id, bytes: await writeBackup(db, file) });
  } catch (error) {
    send({ type: "backed-up", id, error: error instanceof Error ? error.message : String(error) });
  }
}
