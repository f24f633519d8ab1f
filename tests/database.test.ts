import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { openDatabase, type Database } from "../src/db/index.js";
import { FILE_PART_BYTES, readFile, writeFile } from "../src/services/ingestion/files.js";
import { searchVectorBinary } from "../src/db/text-search.js";
import { botGraph, HNSW_EF_SEARCH, toVectorBinary, toVectorLiteral } from "../src/db/vector.js";
import { textQuery } from "../src/services/answering/retrieval.js";
import { seedFromTemplate, startApp, tempDir } from "./helpers/app.js";
import { openTestPGlite, openTestPostgres, silentLogger, startPostgresServer } from "./helpers/db.js";

const DIM = 384;

/** A deterministic pseudo-random unit vector. */
function unitVector(seed: number): number[] {
  let state = seed * 2654435761;
  const v = Array.from({ length: DIM }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function cosineDistance(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return 1 - dot; // both are unit vectors
}

/**
 * Multi-row insert through raw SQL (the vector column is not typed by Prisma),
 * in_graph, as foldIntoIndexes leaves a large bot's chunks.
 */
async function insertVectors(db: Database, botId: string, sourceId: string, vectors: number[][]) {
  for (let start = 0; start < vectors.length; start += 100) {
    const params: unknown[] = [botId, sourceId];
    const tuples = vectors.slice(start, start + 100).map((v, j) => {
      params.push(`chunk ${start + j}`, start + j, toVectorLiteral(v));
      const n = params.length;
      return `($1::uuid, $2::uuid, 'TEXT'::"SourceKind", $${n - 2}, $${n - 1}::int, $${n}::vector, true)`;
    });
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO chunks (bot_id, source_id, source_type, content, chunk_index, embedding, in_graph) VALUES ${tuples.join(",")}`,
      ...params,
    );
  }
}

async function seedBot(db: Database) {
  const workspace = await db.prisma.workspace.create({ data: { name: "Acme" } });
  const bot = await db.prisma.bot.create({ data: { workspaceId: workspace.id, name: "Helpdesk" } });
  const source = await db.prisma.source.create({
    data: { botId: bot.id, kind: "TEXT", connector: "text", name: "notes.txt" },
  });
  return { workspace, bot, source };
}

const kinds: [string, () => Promise<Database>][] = [
  ["PGlite (embedded)", openTestPGlite],
  ["PostgreSQL wire protocol (pg + @prisma/adapter-pg)", openTestPostgres],
];

describe.each(kinds)("on %s", (_name, open) => {
  it("returns nearest neighbours by cosine distance, in order, through the bot's own HNSW graph", async () => {
    const db = await open();
    const { bot, source } = await seedBot(db);
    const other = await seedBot(db);
    const vectors = Array.from({ length: 300 }, (_, i) => unitVector(i + 1));
    await insertVectors(db, bot.id, source.id, vectors);
    await insertVectors(db, other.bot.id, other.source.id, vectors);
    const graph = botGraph(bot.id);
    await db.prisma.$executeRawUnsafe(graph.create);
    const query = unitVector(10_000);
    const expected = vectors
      .map((v, index) => ({ index, distance: cosineDistance(query, v) }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, 5);

    // On a table this small the planner rightly prefers an exact scan; with
    // sequential scans off, the ordering comes from the bot's graph, which
    // holds its chunks and no other bot's.
    const nearest = `FROM chunks WHERE ${graph.predicate} ORDER BY embedding <=> $1::vector LIMIT 5`;
    const [, plan, rows] = await db.prisma.$transaction([
      db.prisma.$executeRaw`SET LOCAL enable_seqscan = off`,
      db.prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN SELECT id ${nearest}`, toVectorLiteral(query)),
      db.prisma.$queryRawUnsafe<{ chunk_index: number; distance: number; bot_id: string }[]>(
        `SELECT chunk_index, bot_id::text, (embedding <=> $1::vector)::float8 AS distance ${nearest}`,
        toVectorLiteral(query),
      ),
    ]);
    expect(plan.map((p) => p["QUERY PLAN"]).join("\n")).toContain(`Index Scan using ${graph.name}`);
    expect(rows.map((r) => r.chunk_index)).toEqual(expected.map((e) => e.index));
    expect(new Set(rows.map((r) => r.bot_id))).toEqual(new Set([bot.id]));
    rows.forEach((row, i) => expect(row.distance).toBeCloseTo(expected[i]!.distance, 5));
    const [{ size }] = await db.prisma.$queryRawUnsafe<[{ size: number }]>(`SELECT count(*)::int AS size FROM chunks WHERE ${graph.predicate}`);
    expect(size).toBe(300);
    await db.prisma.$executeRawUnsafe(graph.drop);
    const [dropped] = await db.prisma.$queryRawUnsafe<{ there: boolean }[]>(`SELECT ${graph.exists} AS there`);
    expect(dropped?.there).toBe(false);
  });

  it("keeps walking a bot's graph past the chunks a reader may not see (iterative scan, set on every connection)", async () => {
    const db = await open();
    const { bot, source } = await seedBot(db);
    const query = unitVector(10_000);
    const near = (seed: number, sign: number) => {
      const noise = unitVector(seed);
      const v = query.map((x, i) => sign * x + 0.3 * noise[i]!);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    // 300 chunks nearer the question than the last 3, and filtered out (as a
    // retired generation's are): a search that stops after ef_search (40
    // here) candidates finds none of the 3.
    await insertVectors(db, bot.id, source.id, [
      ...Array.from({ length: 300 }, (_, i) => near(i + 1, 1)),
      ...Array.from({ length: 3 }, (_, i) => near(i + 1000, -1)),
    ]);
    const graph = botGraph(bot.id);
    await db.prisma.$executeRawUnsafe(graph.create);

    const visible = `FROM chunks WHERE ${graph.predicate} AND chunk_index >= 300 ORDER BY embedding <=> $1::vector LIMIT 3`;
    const [, , , plan, rows] = await db.prisma.$transaction([
      db.prisma.$executeRaw`SET LOCAL enable_seqscan = off`,
      db.prisma.$executeRaw`SET LOCAL enable_sort = off`,
      db.prisma.$executeRaw`SET LOCAL hnsw.ef_search = 40`,
      db.prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN SELECT id ${visible}`, toVectorLiteral(query)),
      db.prisma.$queryRawUnsafe<{ chunk_index: number }[]>(`SELECT chunk_index ${visible}`, toVectorLiteral(query)),
    ]);
    expect(plan.map((p) => p["QUERY PLAN"]).join("\n")).toContain(`Index Scan using ${graph.name}`);
    expect(rows.map((r) => r.chunk_index).sort()).toEqual([300, 301, 302]);
    const [settings] = await db.prisma.$queryRaw<{ ef: string; scan: string }[]>`
      SELECT current_setting('hnsw.ef_search') AS ef, current_setting('hnsw.iterative_scan') AS scan`;
    expect(settings).toEqual({ ef: String(HNSW_EF_SEARCH), scan: "relaxed_order" });
  });

  it("stores each component of a vector, as text or binary, as its nearest 32-bit float, and refuses non-finite ones", async () => {
    const db = await open();
    const values = [...unitVector(7).slice(0, 6), 1 / 3, -2e-7, 123456.789, 0, -1];
    for (const form of [toVectorLiteral(values), toVectorBinary(values)]) {
      const [row] = await db.prisma.$queryRawUnsafe<{ v: string; dimension: number }[]>(
        `SELECT $1::vector::text AS v, vector_dims($1::vector) AS dimension`,
        form,
      );
      expect((JSON.parse(row!.v) as number[]).map(Math.fround)).toEqual(values.map(Math.fround));
      expect(row!.dimension).toBe(values.length);
    }
    for (const encode of [toVectorLiteral, toVectorBinary]) {
      expect(() => encode([0.5, Number.NaN])).toThrow(/non-finite/);
      expect(() => encode([1e39])).toThrow(/32-bit/);
    }
  });

  it("reads a chunk's text index entry made by the server as the tsvector the database would make, and finds a question's every word in it", async () => {
    const db = await open();
    const text = "Returns are accepted for thirty days; returns after that are refused. Call the desk at nine.";
    const [same] = await db.prisma.$queryRawUnsafe<{ made: string; database: string }[]>(
      `SELECT $1::tsvector::text AS made, to_tsvector('simple', $2)::text AS database`,
      searchVectorBinary(text),
      text,
    );
    expect(same!.made).toBe(same!.database);
    // Where the database's parser makes one lexeme of a number, an address or a word in capitals outside
    // ASCII, no question's word matched it; split as questions are, each word of them does.
    const odd = "Version 3.14 of ÉCOLE at example.com/help, 2047 characters at most.";
    const query = textQuery("What does version 3 14 of the école at example com help say?")!;
    const [found] = await db.prisma.$queryRawUnsafe<{ made: boolean; database: boolean; positions: string }[]>(
      `SELECT $1::tsvector @@ to_tsquery('simple', $3) AS made, to_tsvector('simple', $2) @@ to_tsquery('simple', $3) AS database, $1::tsvector::text AS positions`,
      searchVectorBinary(odd),
      odd,
      query,
    );
    expect(found).toEqual({ made: true, database: false, positions: expect.stringContaining("'école':5") });
    // A chunk stored without one (SQL of an operator's own) gets the database's.
    const { bot, source } = await seedBot(db);
    await db.prisma
      .$executeRaw`INSERT INTO chunks (bot_id, source_id, source_type, content, chunk_index) VALUES (${bot.id}::uuid, ${source.id}::uuid, 'TEXT', ${text}, 0)`;
    const [stored] = await db.prisma.$queryRaw<{ entry: string }[]>`SELECT search_vector::text AS entry FROM chunks WHERE source_id = ${source.id}::uuid`;
    expect(stored!.entry).toBe(same!.database);
  });

  it("reports a duplicate key as Prisma's P2002, as on any PostgreSQL", async () => {
    const db = await open();
    await db.prisma.user.create({ data: { email: "a@example.com", passwordHash: "x" } });
    const duplicate = db.prisma.$transaction(async (tx) => tx.user.create({ data: { email: "a@example.com", passwordHash: "y" } }));
    await expect(duplicate).rejects.toMatchObject({ code: "P2002" });
    const bytes = Buffer.from([0, 1, 2, 250]);
    const { source } = await seedBot(db);
    await db.prisma.sourceFilePart.create({ data: { sourceId: source.id, part: 0, data: bytes } });
    const file = await db.prisma.sourceFilePart.findUniqueOrThrow({ where: { sourceId_part: { sourceId: source.id, part: 0 } } });
    expect(Buffer.from(file.data).equals(bytes)).toBe(true);
  });

  it("keeps an uploaded file in parts and reads it back byte for byte", async () => {
    const db = await open();
    const { source } = await seedBot(db);
    const bytes = randomBytes(FILE_PART_BYTES * 2 + 12_345);
    await writeFile(db.prisma, source.id, bytes);
    expect(await db.prisma.sourceFilePart.count({ where: { sourceId: source.id } })).toBe(3);
    expect(Buffer.from((await readFile(db.prisma, source.id))!).equals(bytes)).toBe(true);
    await writeFile(db.prisma, source.id, bytes.subarray(0, 10)); // a replacement leaves no part of the old file
    expect(Buffer.from((await readFile(db.prisma, source.id))!).equals(bytes.subarray(0, 10))).toBe(true);
    expect(await readFile(db.prisma, randomUUID())).toBeNull();
  });

  it("cascades: deleting a source takes its chunks and jobs; deleting a bot takes everything under it", async () => {
    const db = await open();
    const { workspace, bot, source } = await seedBot(db);
    const other = await db.prisma.source.create({ data: { botId: bot.id, kind: "LINK", connector: "web", name: "site", url: "https://example.com" } });
    const embedding = toVectorLiteral(unitVector(1));
    for (const s of [source, other]) {
      await db.prisma.$executeRaw`INSERT INTO chunks (bot_id, source_id, source_type, content, chunk_index, embedding)
        VALUES (${bot.id}::uuid, ${s.id}::uuid, ${s.kind}::"SourceKind", 'text', 0, ${embedding}::vector)`;
      await db.prisma.ingestionJob.create({ data: { sourceId: s.id } });
    }
    await db.prisma.sourceFilePart.create({ data: { sourceId: source.id, part: 0, data: Buffer.from("hello") } });
    await db.prisma.prompt.create({ data: { botId: bot.id, type: "SYSTEM", text: "Be brief." } });
    const key = await db.prisma.apiKey.create({ data: { botId: bot.id, name: "site", prefix: "pk_abc", keyHash: "h".repeat(64) } });
    const session = await db.prisma.chatSession.create({ data: { botId: bot.id, publicId: "s_1", apiKeyId: key.id } });
    await db.prisma.message.create({ data: { sessionId: session.id, role: "USER", content: "hi" } });
    await db.prisma.apiKeyUsage.create({ data: { botId: bot.id, apiKeyId: key.id, operation: "chat", responseTimeMs: 12 } });

    await db.prisma.source.delete({ where: { id: source.id } });
    expect(await db.prisma.chunk.count({ where: { sourceId: source.id } })).toBe(0);
    expect(await db.prisma.ingestionJob.count({ where: { sourceId: source.id } })).toBe(0);
    expect(await db.prisma.sourceFilePart.count()).toBe(0);
    expect(await db.prisma.chunk.count({ where: { sourceId: other.id } })).toBe(1);

    await db.prisma.bot.delete({ where: { id: bot.id } });
    const counts = await Promise.all([
      db.prisma.source.count(),
      db.prisma.chunk.count(),
      db.prisma.prompt.count(),
      db.prisma.apiKey.count(),
      db.prisma.chatSession.count(),
      db.prisma.message.count(),
      db.prisma.apiKeyUsage.count(),
      db.prisma.ingestionJob.count(),
    ]);
    expect(counts).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await db.prisma.workspace.count({ where: { id: workspace.id } })).toBe(1);
  });
});

describe("the embedded database", () => {
  it("works in a thread of its own: the server's event loop goes on during a long statement", async () => {
    const db = await openTestPGlite();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    // Some hundreds of ms of PGlite's work in one statement; in the server's
    // thread, no timer could fire until it ended.
    const [row] = await db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM generate_series(1, 3000000) AS g WHERE g % 7 = 0`;
    clearInterval(timer);
    expect(row?.n).toBe(428_571n);
    expect(ticks).toBeGreaterThan(3);
  });

  it("closes cleanly and opens the same folder again with its data, and its page cache as asked at each start", async () => {
    const dataDir = await tempDir();
    await seedFromTemplate(dataDir);
    const first = await openDatabase({ dataDir, logger: silentLogger });
    const workspace = await first.prisma.workspace.create({ data: { name: "Kept" } });
    expect(await first.prisma.$queryRawUnsafe("SHOW shared_buffers")).toEqual([{ shared_buffers: "128MB" }]);
    await first.close();
    const second = await openDatabase({ dataDir, logger: silentLogger, sharedBuffersMb: 24 });
    try {
      expect(second.appliedMigrations).toEqual([]);
      expect((await second.prisma.workspace.findUnique({ where: { id: workspace.id } }))?.name).toBe("Kept");
      expect(await second.prisma.$queryRawUnsafe("SHOW shared_buffers")).toEqual([{ shared_buffers: "24MB" }]);
    } finally {
      await second.close();
    }
  });
});

describe("the app on DATABASE_URL", () => {
  it("applies migrations through pg and reports postgres in /health", async () => {
    const { url: databaseUrl } = await startPostgresServer({ fresh: true });
    const { url, app } = await startApp({ DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: "1" });
    expect(app.services.db.kind).toBe("postgres");
    expect(app.services.db.appliedMigrations).toContain("20261125000000_init");
    const report = (await (await fetch(`${url}/health`)).json()) as { status: string; database: { kind: string; ok: boolean } };
    expect(report).toMatchObject({ status: "ok", database: { kind: "postgres", ok: true } });
  });
});
