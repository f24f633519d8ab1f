/**
 * Operators' commands to a running server, over a unix socket in its data
 * folder (mode 0600): whoever may read the data may back it up, and nothing
 * is exposed on the network. `npm run backup` is its client.
 */
import { createReadStream } from "node:fs";
import { chmod, rm } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Database } from "./db/index.js";
import type { Logger } from "./logger.js";

/** Where a server with an embedded database listens for operators. */
export const controlSocketPath = (dataDir: string) => path.join(dataDir, "parley.sock");

/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 107;

export interface ControlSocket {
  close(): Promise<void>;
}

export async function startControlSocket(dataDir: string, db: Database, logger: Logger): Promise<ControlSocket | undefined> {
  const socketPath = controlSocketPath(dataDir);
  if (!db.backup) return undefined;
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    logger.warn("no operator socket: the data folder's path is too long for a unix socket; backups need a shorter DATA_DIR", { socketPath });
    return undefined;
  }
  const backup = db.backup.bind(db);
  let count = 0;
  const server = createServer((request, response) => {
    if (request.method !== "POST" || request.url !== "/backup") {
      response.writeHead(404).end("unknown command\n");
      return;
    }
    const file = path.join(dataDir, `.backup-${process.pid}-${++count}.sql`);
    const started = Date.now();
    backup(file)
      .then(async (bytes) => {
        response.writeHead(200, { "content-type": "application/sql", "content-length": bytes });
        await pipeline(createReadStream(file), response);
        logger.info("backup written", { bytes, ms: Date.now() - started });
      })
      .catch((error: Error) => {
        logger.error("backup failed", { error: error.message });
        if (!response.headersSent) response.writeHead(500).end(`${error.message}\n`);
        else response.destroy(error);
      })
      .finally(() => rm(file, { force: true }));
  });
  // A socket left by a server that crashed: this one holds the folder's lock, so it is stale.
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(socketPath, resolve));
  await chmod(socketPath, 0o600);
  return {
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}
