/**
 * What a large upload costs everybody else. A Parley server (its own
 * process, embedded default) ingests a 10 MB text file and a 200-page PDF
 * for one workspace while this process measures, for another workspace's
 * bot, `sendMessage` latency (one question after another) and GET /livez
 * (every 20 ms): first at rest, then during the ingestion. Prints both side
 * by side with the targets, and the ingestion's own throughput.
 *
 *   npm run bench:isolation        (PARLEY_BENCH_TEXT_MB=10, PARLEY_BENCH_PDF_PAGES=200)
 */
import { appendFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { prose } from "./corpus.js";
import { createTenant, graphqlAt, spawnParley, startedAt } from "./api.js";
import { percentile } from "./stats.js";

const TEXT_MB = Number(process.env.PARLEY_BENCH_TEXT_MB ?? 10);
const PDF_PAGES = Number(process.env.PARLEY_BENCH_PDF_PAGES ?? 200);
const REST_MS = 20_000;
const MB = 1024 * 1024;

const dataDir = await mkdtemp(path.join(os.tmpdir(), "parley-bench-isolation-"));
// PARLEY_BENCH_PROFILE=<dir>: the server writes a CPU profile there when it stops.
const profile = process.env.PARLEY_BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.PARLEY_BENCH_PROFILE}`] : [];
// The server's own event-loop lag (bench/lag-probe.ts), to tell its stalls from this process's and the OS's.
const lagFile = path.join(dataDir, "lag.json");
const server = spawnParley({ dataDir, lagFile, nodeArgs: profile, env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "info" } });
// PARLEY_BENCH_SERVER_LOG=<file>: the server's log (LOG_LEVEL=debug logs every statement with its time).
const url = await startedAt(server, (chunk) => {
  if (process.env.PARLEY_BENCH_SERVER_LOG) appendFileSync(process.env.PARLEY_BENCH_SERVER_LOG, chunk);
});

const gql = graphqlAt(url);

const tenant = (name: string) => createTenant(gql, name);

async function upload(token: string, botId: string, name: string, type: string, bytes: Uint8Array): Promise<string> {
  const form = new FormData();
  form.set(
    "operations",
    JSON.stringify({ query: `mutation($b: ID!, $f: File!) { uploadDocument(botId: $b, file: $f) { id } }`, variables: { b: botId, f: null } }),
  );
  form.set("map", JSON.stringify({ 0: ["variables.f"] }));
  form.set("0", new Blob([new Uint8Array(bytes)], { type }), name);
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "graphql-require-preflight": "1" },
    body: form,
  });
  return ((await response.json()) as { data: { uploadDocument: { id: string } } }).data.uploadDocument.id;
}

const status = async (token: string, id: string) =>
  (
    await gql<{ source: { syncStatus: string; chunkCount: number; lastError: string | null } }>(
      `query($id: ID!) { source(id: $id) { syncStatus chunkCount lastError } }`,
      { id },
      token,
    )
  ).source;

/** Waits for a source to settle; with when it started processing and when it settled (ms, performance.now()). */
async function settled(token: string, id: string) {
  let processingAt: number | undefined;
  for (;;) {
    const source = await status(token, id);
    if (source.syncStatus === "PROCESSING") processingAt ??= performance.now();
    if (source.syncStatus === "SYNCED" || source.syncStatus === "ERROR")
      return { ...source, processingAt: processingAt ?? performance.now(), settledAt: performance.now() };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Chat and /livez latencies until `until` resolves; with the window's bounds (epoch ms) and this process's own worst lag. */
async function measure(chat: { token: string; botId: string }, until: Promise<unknown>) {
  let done = false;
  void until.finally(() => (done = true));
  const from = performance.timeOrigin + performance.now();
  const ownLag = monitorEventLoopDelay({ resolution: 10 });
  ownLag.enable();
  const chats: number[] = [];
  const livez: number[] = [];
  await Promise.all([
    (async () => {
      while (!done) {
        const t0 = performance.now();
        await gql(
          `mutation($b: ID!) { sendMessage(botId: $b, message: "When does the shop open on Saturdays?") { message { content } } }`,
          { b: chat.botId },
          chat.token,
        );
        chats.push(performance.now() - t0);
      }
    })(),
    (async () => {
      while (!done) {
        const t0 = performance.now();
        await fetch(`${url}/livez`).then((r) => r.arrayBuffer());
        livez.push(performance.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })(),
  ]);
  ownLag.disable();
  return { chats, livez, from, to: performance.timeOrigin + performance.now(), ownLagMaxMs: ownLag.max / 1e6 };
}

type Measured = Awaited<ReturnType<typeof measure>>;

async function pdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([595, 842]);
    prose(2500, p + 1)
      .replace(/\n/g, " ")
      .match(/.{1,90}(\s|$)/g)!
      .slice(0, 35)
      .forEach((line, i) => page.drawText(line.trim(), { x: 40, y: 800 - i * 21, size: 10, font }));
  }
  return doc.save();
}

let windows: { rest: Measured; during: Measured } | undefined;
try {
  const quiet = await tenant("quiet");
  const busy = await tenant("busy");
  const facts = await gql<{ addTextSource: { id: string } }>(
    `mutation($b: ID!) { addTextSource(botId: $b, title: "Hours", text: "The shop opens at nine on Saturdays and at eight on weekdays.") { id } }`,
    { b: quiet.botId },
    quiet.token,
  );
  await settled(quiet.token, facts.addTextSource.id);
  const text = new TextEncoder().encode(prose(TEXT_MB * MB, 7));
  const manual = await pdf(PDF_PAGES);

  console.log(`At rest for ${REST_MS / 1000} s...`);
  const rest = await measure(quiet, new Promise((resolve) => setTimeout(resolve, REST_MS)));

  console.log(`Ingesting ${TEXT_MB} MB of text and a ${PDF_PAGES}-page PDF (${(manual.length / MB).toFixed(1)} MB) for another workspace...`);
  const started = performance.now();
  const ids = [
    await upload(busy.token, busy.botId, "catalogue.txt", "text/plain", text),
    await upload(busy.token, busy.botId, "manual.pdf", "application/pdf", manual),
  ];
  const uploadMs = performance.now() - started;
  const ingestion = Promise.all(ids.map((id) => settled(busy.token, id)));
  const during = await measure(quiet, ingestion);
  const sources = await ingestion;
  const seconds = sources.map((s) => (s.settledAt - s.processingAt) / 1000);

  const row = (label: string, at: number[], in_: number[], target: string) =>
    console.log(
      `${label.padEnd(26)} ${percentile(at, 50).toFixed(1).padStart(8)} ${percentile(at, 99).toFixed(1).padStart(8)} ${Math.max(...at)
        .toFixed(1)
        .padStart(8)}   ${percentile(in_, 50).toFixed(1).padStart(8)} ${percentile(in_, 99).toFixed(1).padStart(8)} ${Math.max(...in_)
        .toFixed(1)
        .padStart(8)}   ${target}`,
    );
  console.log(
    `\n${"ms".padEnd(26)} ${"rest p50".padStart(8)} ${"p99".padStart(8)} ${"max".padStart(8)}   ${"ingest p50".padStart(8)} ${"p99".padStart(8)} ${"max".padStart(8)}   target`,
  );
  row(`GET /livez (n=${rest.livez.length}/${during.livez.length})`, rest.livez, during.livez, "max during <= 100 ms");
  row(
    `sendMessage (n=${rest.chats.length}/${during.chats.length})`,
    rest.chats,
    during.chats,
    `p99 during <= 2 x p99 at rest = ${(2 * percentile(rest.chats, 99)).toFixed(1)} ms`,
  );
  console.log(`\nThe upload mutations answered in ${uploadMs.toFixed(0)} ms (both files).`);
  sources.forEach((s, i) =>
    console.log(
      `${i ? "PDF " : "text"}: ${s.syncStatus}, ${s.chunkCount} chunks, processed in ${seconds[i]!.toFixed(1)} s, settled ${((s.settledAt - started) / 1000).toFixed(1)} s after the uploads${s.lastError ? ` (${s.lastError})` : ""}`,
    ),
  );
  console.log(
    `Text: ${(TEXT_MB / seconds[0]!).toFixed(2)} MB/s, ${(sources[0]!.chunkCount / seconds[0]!).toFixed(0)} chunks/s end to end (extract, split, embed, store) while chat and /livez ran.`,
  );
  console.log(
    `PDF: ${(PDF_PAGES / seconds[1]!).toFixed(1)} pages/s end to end (one workspace runs INGESTION_WORKERS_PER_WORKSPACE jobs at once: it waited for the text).`,
  );
  console.log(`The floor: the at-rest columns (this bench shares the machine's 2 cores with the server and its workers).`);
  windows = { rest, during };
} finally {
  server.kill("SIGTERM");
  await new Promise((resolve) => server.once("exit", resolve));
  if (windows) await printLag(windows);
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * Where a slow /livez spent its time: the server's event loop (sampled inside
 * it), this process's, or neither (the OS giving the 2 cores to the
 * database's thread and the extraction workers).
 */
async function printLag({ rest, during }: { rest: Measured; during: Measured }) {
  const samples = JSON.parse(await readFile(lagFile, "utf8")) as [number, number][];
  const within = (w: Measured) => samples.filter(([at]) => at >= w.from && at <= w.to).map(([, lag]) => lag);
  const line = (label: string, w: Measured) => {
    const lag = within(w);
    return `${label}: server lag p50 ${percentile(lag, 50).toFixed(1)}, p99 ${percentile(lag, 99).toFixed(1)}, max ${Math.max(...lag).toFixed(1)} ms; this process's max ${w.ownLagMaxMs.toFixed(1)} ms`;
  };
  console.log(`\nEvent-loop lag (how late a 10 ms timer fires):\n  ${line("at rest", rest)}\n  ${line("ingesting", during)}`);
}
