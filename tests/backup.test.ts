import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "@jest/globals";
import { createBot, signUp } from "./helpers/admin.js";
import { seedFromTemplate, tempDir } from "./helpers/app.js";
import { startPostgresServer } from "./helpers/db.js";
import { gqlRaw } from "./helpers/graphql.js";
import { startProcess } from "./helpers/process.js";

const run = promisify(execFile);
/** Runs one of the operator commands (src/cli) as `npm run backup|restore` does. */
const cli = (command: "backup" | "restore", file: string, dataDir: string) =>
  run(process.execPath, ["--import", "tsx", `src/cli/${command}.ts`, file], { env: { ...process.env, NODE_OPTIONS: "", DATA_DIR: dataDir } });

const FACT = "The lighthouse keeper's cat is called Marmalade Quill.";
const SOURCES = `query($b: ID!) { bot(id: $b) { sources(first: 10) { edges { node { title syncStatus chunkCount } } } } }`;

describe("backups of the embedded database", () => {
  it("are taken while the server serves, load into PostgreSQL with psql, and restore into a new data folder", async () => {
    const dataDir = await tempDir();
    await seedFromTemplate(dataDir);
    const server = await startProcess({ DATA_DIR: dataDir });
    const admin = await signUp(server.url);
    const botId = await createBot(server.url, admin);
    const added = await gqlRaw(
      server.url,
      `mutation($b: ID!, $t: String!) { addTextSource(botId: $b, title: "Keeper", text: $t) { id } }`,
      { b: botId, t: FACT },
      admin.headers,
    );
    expect(added.errors).toBeUndefined();
    for (let synced = false; !synced; await new Promise((r) => setTimeout(r, 100))) {
      const listed = await gqlRaw(server.url, SOURCES, { b: botId }, admin.headers);
      synced = listed.data!.bot.sources.edges[0].node.syncStatus === "SYNCED";
    }

    // Writes go on during the backup, and after it (pg_dump's read-only transaction and settings are undone).
    const file = path.join(await tempDir(), "parley.sql");
    let writing = true;
    const writes = (async () => {
      const results: unknown[] = [];
      for (let i = 0; writing || i < 3; i++) {
        const renamed = await gqlRaw(
          server.url,
          `mutation($b: ID!, $n: String!) { updateBot(id: $b, input: { name: $n }) { name } }`,
          { b: botId, n: `Helpdesk ${i}` },
          admin.headers,
        );
        results.push(renamed.errors ?? renamed.data!.updateBot.name);
      }
      return results;
    })();
    await cli("backup", file, dataDir);
    writing = false;
    expect((await writes).every((r) => typeof r === "string")).toBe(true);

    const sql = await readFile(file, "utf8");
    expect(sql).toContain("CREATE EXTENSION IF NOT EXISTS vector");
    expect(sql).toContain("Marmalade Quill");

    // PostgreSQL's own client reads it (into an empty PGlite behind its wire-protocol server).
    const postgres = await startPostgresServer({ fresh: true });
    await run("psql", [postgres.url, "-v", "ON_ERROR_STOP=1", "-q", "-f", file]);
    const { stdout } = await run("psql", [
      postgres.url,
      "-tA",
      "-c",
      "SELECT count(*) FROM public.chunks WHERE embedding IS NOT NULL AND content LIKE '%Marmalade%'",
    ]);
    expect(stdout.trim()).toBe("1");

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);

    // A new folder from the backup: the same account, bot and source, searchable again.
    const restoredDir = await tempDir();
    await cli("restore", file, restoredDir);
    const restored = await startProcess({ DATA_DIR: restoredDir });
    const listed = await gqlRaw(restored.url, SOURCES, { b: botId }, admin.headers);
    expect(listed.data!.bot.sources.edges).toEqual([{ node: { title: "Keeper", syncStatus: "SYNCED", chunkCount: 1 } }]);
    restored.child.kill("SIGTERM");
    expect(await restored.exited).toBe(0);

    // A restore never overwrites a database.
    await expect(cli("restore", file, restoredDir)).rejects.toMatchObject({ stderr: expect.stringContaining("already holds a database") });
  }, 120_000);

  it("says so when no server runs on the folder", async () => {
    const dataDir = await tempDir();
    await expect(cli("backup", path.join(dataDir, "x.sql"), dataDir)).rejects.toMatchObject({ stderr: expect.stringContaining("no Parley server is running") });
  }, 30_000);
});
