/**
 * What running a bot's checks costs: a Parley server (its own process,
 * embedded default) holds a bot of PARLEY_BENCH_CHUNKS chunks (10,000) with
 * PARLEY_BENCH_CHECKS saved checks (200); this process runs them and
 * measures how long the run takes, and, for another workspace's bot,
 * `sendMessage` latency (one question after another) at rest and while the
 * checks run. Prints both beside the targets: the run under a minute, the
 * other tenant's p99 within 2x of rest.
 *
 *   npm run bench:checks
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createTenant, graphqlAt, spawnParley, startedAt } from "./api.js";
import { prose } from "./corpus.js";
import { percentile } from "./stats.js";

const CHUNKS = Number(process.env.PARLEY_BENCH_CHUNKS ?? 10_000);
const CHECKS = Number(process.env.PARLEY_BENCH_CHECKS ?? 200);
const REST_MS = 15_000;

const dataDir = await mkdtemp(path.join(os.tmpdir(), "parley-bench-checks-"));
const lagFile = path.join(dataDir, "lag.json");
const server = spawnParley({ dataDir, lagFile, env: { CHECKS_AFTER_SYNC_DELAY_MS: "86400000" } });
const url = await startedAt(server);
const gql = graphqlAt(url);

const tenant = (name: string) => createTenant(gql, name);

async function synced(token: string, botId: string): Promise<number> {
  for (;;) {
    const { bot } = await gql<{ bot: { sourceCounts: { total: number; synced: number; error: number }; chunkCount: number } }>(
      `query($b: ID!) { bot(id: $b) { sourceCounts { total synced error } chunkCount } }`,
      { b: botId },
      token,
    );
    if (bot.sourceCounts.error) throw new Error("a source failed to ingest");
    if (bot.sourceCounts.synced === bot.sourceCounts.total) return bot.chunkCount;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const now = () => performance.timeOrigin + performance.now();
/** The two windows measured, as wall-clock moments, to take the server's event-loop lag over each. */
const windows: Record<"rest" | "during", [from: number, to: number]> = { rest: [0, 0], during: [0, 0] };

/** sendMessage latencies, one after another, until `until` settles. */
async function chatLatencies(who: { token: string; botId: string }, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const latencies: number[] = [];
  while (!done) {
    const t0 = performance.now();
    await gql(
      `mutation($b: ID!) { sendMessage(botId: $b, message: "When does the shop open on Saturdays?") { message { content } } }`,
      { b: who.botId },
      who.token,
    );
    latencies.push(performance.now() - t0);
  }
  return latencies;
}

try {
  const quiet = await tenant("quiet");
  const busy = await tenant("busy");
  await gql(
    `mutation($b: ID!) { addTextSource(botId: $b, title: "Hours", text: "The shop opens at nine on Saturdays and at eight on weekdays.") { id } }`,
    { b: quiet.botId },
    quiet.token,
  );
  // ~1,000 characters a chunk (CHUNK_SIZE), in text sources of 1 MB each.
  console.log(`Storing ${CHUNKS} chunks for the busy workspace's bot...`);
  const text = prose(CHUNKS * 1000, 11);
  const parts = Math.ceil(text.length / 1_000_000);
  for (let i = 0; i < parts; i++) {
    await gql(
      `mutation($b: ID!, $t: String!, $x: String!) { addTextSource(botId: $b, title: $t, text: $x) { id } }`,
      { b: busy.botId, t: `Catalogue ${i + 1}`, x: text.slice(i * 1_000_000, (i + 1) * 1_000_000) },
      busy.token,
    );
  }
  const chunkCount = await synced(busy.token, busy.botId);
  await synced(quiet.token, quiet.botId);
  // Questions of the text's own words: some answered, some not; what a check asks does not change its cost.
  const sentences = text.split(/(?<=\.)\s+/).filter((s) => s.length > 40);
  for (let i = 0; i < CHECKS; i++) {
    const words = sentences[(i * 7919) % sentences.length]!.split(/\s+/).slice(0, 8).join(" ");
    await gql(
      `mutation($b: ID!, $q: String!, $p: String!) { createCheck(botId: $b, input: { question: $q, mustContain: [$p] }) { id } }`,
      { b: busy.botId, q: `What about ${words}?`, p: words.split(" ")[0]! },
      busy.token,
    );
  }

  // The floor: PGlite runs one statement at a time, so a visitor's question may wait behind one statement of a check in
  // flight; how long the busy bot takes to answer one question alone says how long those statements are.
  const alone: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await gql(
      `mutation($b: ID!, $m: String!) { sendMessage(botId: $b, message: $m) { message { content } } }`,
      { b: busy.botId, m: `What about ${sentences[i * 31]!.split(/\s+/).slice(0, 8).join(" ")}?` },
      busy.token,
    );
    alone.push(performance.now() - t0);
  }

  console.log(`At rest for ${REST_MS / 1000} s...`);
  windows.rest[0] = now();
  const rest = await chatLatencies(quiet, new Promise((resolve) => setTimeout(resolve, REST_MS)));
  windows.rest[1] = now();

  console.log(`Running ${CHECKS} checks on a bot of ${chunkCount} chunks...`);
  const started = performance.now();
  windows.during[0] = now();
  const { runChecks } = await gql<{ runChecks: { id: string } }>(`mutation($b: ID!) { runChecks(botId: $b) { id } }`, { b: busy.botId }, busy.token);
  const finished = (async () => {
    for (;;) {
      const { bot } = await gql<{ bot: { checkRuns: { edges: { node: { id: string; status: string; passed: number; failed: number } }[] } } }>(
        `query($b: ID!) { bot(id: $b) { checkRuns(first: 1) { edges { node { id status passed failed } } } } }`,
        { b: busy.botId },
        busy.token,
      );
      const run = bot.checkRuns.edges[0]!.node;
      if (run.id === runChecks.id && run.status !== "RUNNING") return { ...run, seconds: (performance.now() - started) / 1000 };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const during = await chatLatencies(quiet, finished);
  const run = await finished;
  windows.during[1] = now();

  console.log(
    `\n${CHECKS} checks on ${chunkCount} chunks: ${run.status} in ${run.seconds.toFixed(1)} s (${run.passed} passed, ${run.failed} failed)   target < 60 s`,
  );
  console.log(`${"sendMessage, another workspace".padEnd(32)} ${"p50".padStart(8)} ${"p99".padStart(8)} ${"max".padStart(8)}`);
  for (const [label, values] of [
    [`at rest (n=${rest.length})`, rest],
    [`during the run (n=${during.length})`, during],
  ] as const) {
    console.log(
      `${label.padEnd(32)} ${percentile(values, 50).toFixed(1).padStart(8)} ${percentile(values, 99).toFixed(1).padStart(8)} ${Math.max(...values)
        .toFixed(1)
        .padStart(8)}`,
    );
  }
  console.log(`target: p99 during <= 2 x p99 at rest = ${(2 * percentile(rest, 99)).toFixed(1)} ms.`);
  console.log(
    `The floor: one question to the ${chunkCount}-chunk bot alone takes p50 ${percentile(alone, 50).toFixed(1)} ms, p99 ${percentile(alone, 99).toFixed(1)} ms; a visitor's statement may wait behind one of a check's on PGlite's one connection (a run rests as long as each check worked, and yields to visitors' work in flight).`,
  );
  server.kill("SIGTERM");
  await new Promise((resolve) => server.once("exit", resolve));
  // The server's own event loop (bench/lag-probe.ts) over each window: a tail here is work on its main thread
  // (embedding, the gate, the extractive answerer), which every other request waits behind; a tail that is not
  // here is a statement waited for on the database's thread.
  const lag = JSON.parse(await readFile(lagFile, "utf8")) as [number, number][];
  for (const [label, [from, to]] of Object.entries(windows)) {
    const values = lag.filter(([at]) => at >= from && at <= to).map(([, lagMs]) => lagMs);
    console.log(
      `server event-loop lag ${label.padEnd(7)} p50 ${percentile(values, 50).toFixed(1)} ms  p99 ${percentile(values, 99).toFixed(1)} ms  max ${Math.max(...values).toFixed(1)} ms`,
    );
  }
} finally {
  server.kill("SIGTERM");
  if (server.exitCode === null && server.signalCode === null) await new Promise((resolve) => server.once("exit", resolve));
  await rm(dataDir, { recursive: true, force: true });
}
