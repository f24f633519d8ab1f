/**
 * `npm run backup -- <file>` (or `node dist/src/cli/backup.js <file>` in the
 * image): asks the running server for a plain-SQL backup of its embedded
 * database, through the operator socket in DATA_DIR, and writes it to
 * <file> ("-" for standard output). The server goes on serving meanwhile.
 */
import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { request } from "node:http";
import { pipeline } from "node:stream/promises";
import { loadConfig } from "../config.js";
import { controlSocketPath } from "../control.js";

const target = process.argv[2];
if (!target) fail('usage: npm run backup -- <file>   ("-" writes to standard output)');
const config = loadConfig();
if (config.DATABASE_URL) fail("DATABASE_URL is set: back PostgreSQL up with its own pg_dump (see the README's Backups).");

const socketPath = controlSocketPath(config.dataDir);
const response = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
  request({ socketPath, method: "POST", path: "/backup" }, resolve).on("error", reject).end();
}).catch((error: NodeJS.ErrnoException) =>
  fail(error.code === "ENOENT" || error.code === "ECONNREFUSED" ? `no Parley server is running on ${config.dataDir} (${socketPath})` : error.message),
);
if (response.statusCode !== 200) {
  let body = "";
  for await (const chunk of response) body += String(chunk);
  fail(body.trim() || `the server answered ${response.statusCode}`);
}
if (target === "-") {
  await pipeline(response, process.stdout);
} else {
  await pipeline(response, createWriteStream(`${target}.partial`, { mode: 0o600 }));
  await rename(`${target}.partial`, target);
  process.stderr.write(`parley: backup written to ${target} (${response.headers["content-length"]} bytes)\n`);
}

function fail(message: string): never {
  process.stderr.write(`parley: ${message}\n`);
  process.exit(1);
}
