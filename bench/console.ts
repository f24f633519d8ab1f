/**
 * The admin console in Chromium on this machine: its first load's size
 * (gzipped, against the 250 KB budget), and the time to interactive of the
 * bot list (100 bots) and of a bot's source list (1,000 sources), from
 * navigation to the first page of rows on screen, in a fresh browser
 * context each time (nothing cached). The floor beside them: the log-in
 * page, which loads and starts the same code but asks the API for nothing.
 *
 *   npm run bench:console          (PARLEY_BENCH_RUNS=7)
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { staticChunks } from "../src/http/console.js";

const RUNS = Number(process.env.PARLEY_BENCH_RUNS ?? 7);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// The first load, as the build counts it: app.js, app.css, and the chunks app.js imports statically.
const dist = path.resolve(import.meta.dirname, "..", "console", "dist");
const app = await readFile(path.join(dist, "app.js"), "utf8");
const firstFiles = ["app.js", "app.css", ...staticChunks(app)];
let gzipped = 0;
for (const file of (await readdir(dist)).filter((f) => firstFiles.includes(f))) gzipped += gzipSync(await readFile(path.join(dist, file)), { level: 9 }).length;

const dataDir = await mkdtemp(path.join(os.tmpdir(), "parley-bench-console-"));
const parley = await buildApp(loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "warn", PASSWORD_HASH_COST: "10" }));
const { url } = await parley.start(0);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});

try {
  const signUp = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `mutation { signUp(email: "bench@example.com", password: "a long bench password", workspaceName: "Bench") { session { token } workspace { id } } }`,
    }),
  });
  const { data } = (await signUp.json()) as { data: { signUp: { session: { token: string }; workspace: { id: string } } } };
  const token = data.signUp.session.token;
  const workspaceId = data.signUp.workspace.id;
  const prisma = parley.services.db.prisma;
  await prisma.bot.createMany({ data: Array.from({ length: 100 }, (_, i) => ({ workspaceId, name: `Bot ${String(i).padStart(3, "0")}` })) });
  const bot = await prisma.bot.findFirstOrThrow({ where: { workspaceId }, orderBy: { name: "asc" } });
  await prisma.source.createMany({
    data: Array.from({ length: 1000 }, (_, i) => ({
      botId: bot.id,
      kind: "TEXT" as const,
      connector: "text",
      name: `Source ${i}`,
      syncStatus: "SYNCED" as const,
      chunkCount: 3,
      sizeBytes: 1200,
    })),
  });

  /** Milliseconds from navigation start to `ready` on screen, in a fresh context. */
  async function timeTo(pathname: string, ready: string, loggedIn: boolean): Promise<number> {
    const context = await browser.newContext();
    if (loggedIn) await context.addInitScript((t) => localStorage.setItem("parley.console.session", t), token);
    const page = await context.newPage();
    await page.goto(`${url}${pathname}`, { waitUntil: "commit" });
    await page.locator(ready).first().waitFor();
    const ms = await page.evaluate(() => performance.now());
    await context.close();
    return ms;
  }

  const measure = async (pathname: string, ready: string, loggedIn = true) => {
    await timeTo(pathname, ready, loggedIn); // warm the server's caches, not the browser's
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeTo(pathname, ready, loggedIn));
    return { median: median(times), max: Math.max(...times) };
  };
  const floor = await measure("/admin/login", "h1", false);
  const bots = await measure("/admin", 'table[aria-label="Bots"] tbody tr', true);
  const sources = await measure(`/admin/bots/${bot.id}`, 'table[aria-label="Sources"] tbody tr', true);

  const row = (name: string, r: { median: number; max: number }) =>
    `${name.padEnd(42)} ${r.median.toFixed(0).padStart(6)} ms ${r.max.toFixed(0).padStart(8)} ms`;
  console.log(`console first load: ${(gzipped / 1024).toFixed(1)} KB gzipped (budget 250 KB)`);
  console.log(`time to interactive, ${RUNS} runs, fresh context each            median        max`);
  console.log(row("floor: log-in page (the code, no data)", floor));
  console.log(row("bot list (100 bots, first page of 20)", bots));
  console.log(row("source list (1,000 sources, page of 20)", sources));
} finally {
  await browser.close();
  await parley.stop();
  await rm(dataDir, { recursive: true, force: true });
}
