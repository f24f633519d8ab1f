/**
 * Retrieval's full-text half alone (textMatchesSql, as search() runs it) at
 * 100k manual-page chunks in 10 bots, over questions drawn as
 * bench/retrieval.ts draws them (6 words of a stored chunk, reordered, and 2
 * made-up words), with three shapes of its tsquery side by side:
 *   every word only   the question's content words, all of them, and no
 *                     distinctive alternative: the floor of this query's shape
 *   common rule       distinctive tokens OR'd in unless a common word (in
 *                     more than 20% of chunks) alone: the rule before
 *   frequent rule     nor a token whose words are all among the column's most
 *                     common (textQuery's `frequent`): the product's
 * Each shape goes first for a third of the questions (the first pays for the
 * pages a question reads). Prints p50/p90/p99/max and how often the chunk a
 * question was drawn from is in the text list's top 5 and top 20.
 *
 *   npm run bench:text-half     (PARLEY_BENCH_SIZE=100000 PARLEY_BENCH_QUERIES=1000 PARLEY_BENCH_TEXT_STATISTICS=10)
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../src/db/index.js";
import { createChunkMaintenance } from "../src/db/statistics.js";
import { searchVectorBinary } from "../src/db/text-search.js";
import { toVectorBinary } from "../src/db/vector.js";
import { createLogger } from "../src/logger.js";
import { readWordStatistics, textMatchesSql, textQuery } from "../src/services/answering/retrieval.js";
import { benchBots } from "./bots.js";
import { manualChunks } from "./manpages.js";
import { percentile } from "./stats.js";

const SIZE = Number(process.env.PARLEY_BENCH_SIZE ?? 100_000);
const QUERIES = Number(process.env.PARLEY_BENCH_QUERIES ?? 1000);
const BOTS = 10;
const LIMIT = 20;

let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const syllables = "ka lo mi ne ru sa te vo zi pa do fe gu hi ja ko lu ma ni po".split(" ");
const madeUp = () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join("");

const dir = await mkdtemp(path.join(os.tmpdir(), "parley-bench-text-"));
const db = await openDatabase({ dataDir: dir, logger: createLogger("silent") });
const { prisma } = db;
const { owners } = await benchBots(prisma, BOTS);
// Text only: the text half reads no vector. In the text index as they go in, as a small bot's chunks are.
const manual = manualChunks();
for (let start = 0; start < SIZE; start += 500) {
  const texts = Array.from({ length: Math.min(500, SIZE - start) }, () => manual.next().value as string);
  const owner = owners[(start / 500) % BOTS]!;
  const params: unknown[] = [owner.botId, owner.sourceId];
  const values = texts.map((text, i) => {
    params.push(text, start + i, searchVectorBinary(text));
    const n = params.length;
    return `($1::uuid, $2::uuid, 'TEXT', $${n - 2}, $${n - 1}::int, $${n}::tsvector)`;
  });
  await db.execute(`INSERT INTO chunks (bot_id, source_id, source_type, content, chunk_index, search_vector) VALUES ${values.join(",")}`, params);
}
await prisma.$executeRawUnsafe("UPDATE sources SET chunk_count = (SELECT count(*) FROM chunks WHERE source_id = sources.id)");
// PARLEY_BENCH_TEXT_STATISTICS=50 tries another statistics target for the text column than its migration's.
const target = Number(process.env.PARLEY_BENCH_TEXT_STATISTICS ?? 0);
if (target) await prisma.$executeRawUnsafe(`ALTER TABLE chunks ALTER COLUMN search_vector SET STATISTICS ${target}`);
await createChunkMaintenance(prisma).afterIngestion();
// What the maintenance's ANALYZE costs (PGlite's one session waits for it), timed again on its own.
const analyzeStart = performance.now();
await prisma.$executeRawUnsafe("ANALYZE chunks");
const analyzeMs = performance.now() - analyzeStart;
const { common, frequent } = await readWordStatistics(prisma);
console.log(
  `${SIZE} chunks in ${BOTS} bots; the statistics list ${frequent.size} frequent words, ${common.size} of them common (ANALYZE ${analyzeMs.toFixed(0)} ms)`,
);

const botId = owners[0]!.botId;
const sample = await prisma.$queryRawUnsafe<{ id: bigint; content: string }[]>(
  `SELECT id, content FROM chunks WHERE bot_id = $1::uuid ORDER BY md5(id::text) LIMIT ${QUERIES}`,
  botId,
);
const questions = sample.map(({ content }) => {
  const words = content.split(" ");
  return [...Array.from({ length: 6 }, () => words[Math.floor(random() * words.length)]!), madeUp(), madeUp()].join(" ");
});

const SHAPES: [string, (question: string) => string | null][] = [
  ["every word only", (q) => textQuery(q, common, frequent)?.split(" | ")[0] ?? null],
  ["common rule", (q) => textQuery(q, common)],
  ["frequent rule", (q) => textQuery(q, common, frequent)],
];
const noVector = toVectorBinary(new Array<number>(384).fill(0));
const timings = SHAPES.map(() => [] as number[]);
const found = SHAPES.map(() => ({ top5: 0, top20: 0 }));
for (let round = 0; round < 2; round++)
  for (let i = 0; i < questions.length; i++)
    for (let k = 0; k < SHAPES.length; k++) {
      const s = (k + i) % SHAPES.length;
      const query = SHAPES[s]![1](questions[i]!);
      if (!query) continue;
      const t0 = performance.now();
      const rows = await prisma.$queryRawUnsafe<{ id: bigint }[]>(textMatchesSql("$4", "$3"), botId, noVector, LIMIT, query);
      // The first round reads the pages in; the second is timed.
      if (round === 0) continue;
      timings[s]!.push(performance.now() - t0);
      const at = rows.findIndex((row) => row.id === sample[i]!.id);
      if (at >= 0) found[s]!.top20++;
      if (at >= 0 && at < 5) found[s]!.top5++;
    }
for (let s = 0; s < SHAPES.length; s++) {
  const t = timings[s]!;
  const spread = [50, 90, 99, 100].map((p) => `p${p} ${percentile(t, p).toFixed(1)}`).join(", ");
  console.log(`${SHAPES[s]![0].padEnd(16)} ${spread} ms; drawn chunk in the top 5: ${found[s]!.top5}, top 20: ${found[s]!.top20} of ${t.length}`);
}
await db.close();
await rm(dir, { recursive: true, force: true });
