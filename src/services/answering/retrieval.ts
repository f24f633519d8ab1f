import type { PrismaClient, SourceKind } from "@prisma/client";
import { visibleChunkSql } from "../../db/chunks.js";
import { wordsOf } from "../../db/text-search.js";
import { botGraph, toVectorBinary } from "../../db/vector.js";
import type { Embedder } from "../../providers/embeddings.js";
import type { CitedSource, RetrievedChunk, TermStatistics } from "./passages.js";

export type { CitedSource, RetrievedChunk } from "./passages.js";

export interface RetrievalOptions {
  topK: number;
  /** Null or omitted: the embedder's default. */
  minSimilarity?: number | null;
}

interface Row {
  id: bigint;
  source_id: string;
  source_type: SourceKind;
  content: string;
  metadata: RetrievedChunk["metadata"];
  similarity: number;
}

/** A word in more than this share of chunks is common (see textQuery). */
const COMMON_SHARE = 0.2;
/** What the column's statistics say of its most frequent words (see textQuery), derived once per read. */
export interface WordStatistics {
  /** The share of all chunks each listed word is in. */
  shares: ReadonlyMap<string, number>;
  /** The words in more than COMMON_SHARE of all chunks. */
  common: ReadonlySet<string>;
  /** Every listed word. */
  frequent: ReadonlySet<string>;
}

function wordStatistics(shares: ReadonlyMap<string, number>): WordStatistics {
  const common = new Set([...shares].filter(([, share]) => share > COMMON_SHARE).map(([word]) => word));
  return { shares, common, frequent: new Set(shares.keys()) };
}

/** The text column's statistics of its most frequent words (empty until ANALYZE has run). */
export function readWordStatistics(prisma: PrismaClient): Promise<WordStatistics> {
  return prisma.$queryRaw<{ word: string; share: number }[]>`
    SELECT s.word, s.share::float8 AS share FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) AS s(word, share)
    WHERE schemaname = current_schema() AND tablename = 'chunks' AND attname = 'search_vector' AND s.word IS NOT NULL`.then(
    (rows) => wordStatistics(new Map(rows.map((row) => [row.word, Number(row.share)]))),
    () => wordStatistics(new Map()), // statistics are an optimisation: without them, every word counts
  );
}

/** How long the common words are kept before they are read again from the statistics. */
const COMMON_WORDS_TTL_MS = 60_000;

/** Chunks counted per term for its rarity (see termStatistics). */
const STATISTICS_CAP = 1000;

/**
 * The most full-text matches ranked for one question. A question whose words
 * are in most of a large bot's chunks would otherwise rank them all (p99
 * 1.5 s at 100k chunks where p50 was 7 ms); the vector list beside it finds
 * the meaning, so the text list needs good matches, not the very best of
 * thousands.
 */
const TEXT_CANDIDATES = 2000;

/**
 * The most matches of the last resort (mostWords) ranked: its prefixes of
 * half the words match much of a large bot, and each match is tested term by
 * term, so ranking 2,000 took 150-220 ms of the one database connection at
 * 10k chunks (a visitor's question waited behind it during a run of checks);
 * 300 take a tenth of that, and a bot that small matches no more anyway.
 */
const FALLBACK_CANDIDATES = 300;

/** RRF's damping constant: the usual 60 keeps one list's top hit from drowning the other's. */
const RRF_K = 60;
const STOP_WORDS = new Set(
  "a an and are as at be but by can could do does for from has have how i if in into is it its me my no not of on or our so that the their them then there these they this to was we were what when where which who why will with would you your".split(
    " ",
  ),
);

/**
 * A to_tsquery('simple', …) query for a question, built from plain word
 * lexemes only (nothing the user typed reaches tsquery syntax): chunks that
 * contain every content word, or any *distinctive* one: a token with a
 * digit, in capitals, capitalized mid-sentence, a command-line option or a
 * camelCase identifier (codes, part numbers, acronyms, names, options), which
 * an embedding tends to miss. Common words alone would match most chunks and
 * make ranking them the slowest part of retrieval. Words of `common` (in
 * many chunks, from the column's statistics) are left out of "every word"
 * unless nothing else is left. A token is no longer distinctive when all its
 * words are `frequent` (the statistics list them among the column's most
 * common): a manual's NAME, or "--flags-file" where every page has it.
 */
export function textQuery(question: string, common: ReadonlySet<string> = new Set(), frequent: ReadonlySet<string> = common): string | null {
  const { terms, distinctive } = textTerms(question, false);
  if (!terms.length) return null;
  // A word in most chunks narrows "all the words" by little, and its long
  // posting list is the costliest part of the search: the rarer words decide.
  const telling = terms.filter((term) => !common.has(term));
  const required = telling.length ? telling : terms;
  const all = required.length > 1 ? `(${required.join(" & ")})` : required[0]!;
  // Nor does a frequent word alone find anything distinctive, whatever its
  // case (a manual's NAME and FLAGS), nor a phrase of them ("--flags-file",
  // "user-output-enabled" on each of a CLI's pages): it would match thousands
  // of chunks, each read again for the words' order and then ranked, the
  // text half's slowest questions (bench:text-half, 100k chunks, 1,000
  // questions, with the 250 words the text_statistics migration lists:
  // p99 50.1 -> 15.4 ms; the chunk a question came from in the top 5 for 220
  // against 216, in the top 20 for 294 against 300).
  const alone = distinctive.filter((term) => !wordsOfTerm(term).every((word) => frequent.has(word)));
  return alone.length ? `${all} | ${alone.join(" | ")}` : all;
}

/** The words of a tsquery term: a word, or a phrase `(a <-> b)`. */
const wordsOfTerm = (term: string) => term.replace(/^\(|\)$/g, "").split(" <-> ");

/**
 * The tsquery terms of a question's content words, and its distinctive
 * tokens (see textQuery). The 'simple' configuration does not stem (it knows
 * no language); with `prefixes`, a word of four letters or more matches as a
 * prefix, so "refund" finds "refunds" and "bike" finds "bikes" (codes still
 * match exactly). Prefixes cost more in the GIN index, so only the fallback
 * query uses them. A distinctive token written as one but made of several
 * words (LOG_ACTION_STATES, QX-7781, us-west2) is one term, its words in
 * their order (a phrase: they stand side by side in a chunk's index too):
 * each word alone is no code, and "log" or "states" would match thousands of
 * a large bot's chunks, which the text half then ranks (its slowest case).
 */
function textTerms(question: string, prefixes: boolean): { terms: string[]; distinctive: string[] } {
  const kept: { t: string; distinctive: boolean }[] = [];
  const distinctive = new Set<string>();
  let index = 0;
  // Split as a chunk's text index is (searchVectorBinary): every word a question keeps is a lexeme a chunk can hold.
  for (const token of question.split(/\s+/)) {
    const words = wordsOf(token);
    // Capitalized mid-sentence, a word is likely a name ("Does Acme ship?"); an option ("--argfile") or an
    // identifier in camelCase ("convertToHtml") is a code the question copied from the sources.
    const code = /^--?\p{L}/u.test(token) || /\p{Ll}\p{Lu}/u.test(token);
    const marked = words.map((t, i) => code || /\p{N}/u.test(t) || /^\p{Lu}{2,}$/u.test(t) || (index + i > 0 && /^\p{Lu}\p{Ll}/u.test(t)));
    index += words.length;
    const content = words.map((t, i) => ({ t, distinctive: marked[i]! })).filter(({ t }) => t.length > 1 && !STOP_WORDS.has(t.toLowerCase()));
    kept.push(...content);
    if (words.length > 1 && (marked.some(Boolean) || token.includes("_"))) distinctive.add(`(${words.slice(0, 8).join(" <-> ").toLowerCase()})`);
    else for (const { t } of content.filter((word) => word.distinctive)) distinctive.add(t.toLowerCase());
  }
  const term = (t: string, distinctive: boolean) => (prefixes && !distinctive && t.length >= 4 ? `${t}:*` : t);
  const terms = [...new Set(kept.map(({ t, distinctive }) => term(t.toLowerCase(), distinctive)))].slice(0, 16);
  return { terms, distinctive: [...distinctive] };
}

/**
 * Only the chunks readers may see (visibleChunkSql): a source being
 * re-ingested has its next generation half written beside the current one
 * (see storeChunks). Checked row by row on the HNSW walk, which visits few
 * rows: a scalar sub-select, which the planner keeps as a filter on the walk,
 * where EXISTS would become a join that sorts every row of the bot.
 */
const CURRENT_GENERATION = `(SELECT ${visibleChunkSql("chunks", "s")} FROM sources s WHERE s.id = chunks.source_id)`;

/** One branch of the vector list: the chunks passing `filter`, nearest first. */
const nearestWhere = (filter: string, join = "") => `(SELECT chunks.id, chunks.source_id, chunks.source_type, chunks.content, chunks.metadata,
     (1 - (chunks.embedding <=> $2::vector))::float8 AS similarity
   FROM chunks ${join} WHERE ${filter} AND chunks.embedding IS NOT NULL
   ORDER BY chunks.embedding <=> $2::vector
   LIMIT $3)`;

const BOT_SOURCES = "JOIN sources s ON s.id = chunks.source_id AND s.bot_id = $1::uuid";

/**
 * The vector list of bot `botId`, on $1 (its id), $2 (question vector) and $3
 * (how many): its nearest live chunks by cosine distance. One statement with
 * three branches, whether the bot has a graph of its own (botGraph)
 * choosing: a small bot's exact sort, or a large bot's HNSW walk and the
 * exact sort of its chunks outside the graph (none once folded in: a partial
 * index finds them). The exact branches join the bot's sources once (a hash,
 * not a lookup per row). The walk's filter is the graph's predicate, the bot
 * a literal in it, so that the planner takes the bot's index.
 * bench/retrieval.ts explains this very statement.
 */
export function nearestSql(botId: string): string {
  const graph = botGraph(botId);
  return `WITH graph AS (SELECT ${graph.exists} AS exists)
  SELECT * FROM (
  ${nearestWhere(`chunks.bot_id = $1::uuid AND NOT (SELECT exists FROM graph) AND ${visibleChunkSql("chunks", "s")}`, BOT_SOURCES)}
  UNION ALL
  ${nearestWhere(`${graph.predicate} AND (SELECT exists FROM graph) AND ${CURRENT_GENERATION}`)}
  UNION ALL
  ${nearestWhere(`NOT chunks.in_graph AND chunks.bot_id = $1::uuid AND (SELECT exists FROM graph) AND ${visibleChunkSql("chunks", "s")}`, BOT_SOURCES)}
  ) branches ORDER BY similarity DESC LIMIT $3`;
}

/**
 * The bot's ($1) chunks holding to_tsquery('simple', `tsQuery`) and passing
 * `condition`, as `columns`: those in the text index through it, and those a
 * large bot's storing left outside it until they are folded in
 * (foldIntoIndexes) by reading them, a partial index finding them (none once
 * folded). Two branches, so that the planner takes the partial GIN index for
 * the first.
 */
function holdingSql(columns: string, tsQuery: string, { condition = "true", join = "" }: { condition?: string; join?: string } = {}): string {
  const branch = (indexed: boolean) => `SELECT ${columns} FROM chunks ${join}
    WHERE chunks.bot_id = $1::uuid AND ${indexed ? "" : "NOT "}chunks.in_text_index AND chunks.search_vector @@ to_tsquery('simple', ${tsQuery}) AND ${condition}`;
  return `(${branch(true)}) UNION ALL (${branch(false)})`;
}

/**
 * The SQL of the full-text list, on $1 (bot id) and $2 (question vector):
 * chunks matching `tsQuery` (and `condition`), ranked by `rankBy` (the same
 * query unless given) on ids first, so content is read and similarity
 * computed only for the rows kept. The bot's sources are joined once (a
 * hash) for what readers may see: a sub-select per match cost ~6 µs a row,
 * a third of a 2,000-match question's text half.
 */
export function textMatchesSql(
  tsQuery: string,
  limit: string,
  { condition, candidates = TEXT_CANDIDATES, rankBy = tsQuery }: { condition?: string; candidates?: number; rankBy?: string } = {},
): string {
  const visible = `${visibleChunkSql("chunks", "s")}${condition ? ` AND ${condition}` : ""}`;
  return `SELECT 'text' AS list, row_number() OVER (ORDER BY ranked.rank DESC, ranked.id) AS position, c.id, c.source_id, c.source_type::text AS source_type, c.content, c.metadata,
            (1 - (c.embedding <=> $2::vector))::float8 AS similarity
     FROM (
       SELECT id, ts_rank_cd(search_vector, ranking, 1) AS rank
       FROM (SELECT * FROM (${holdingSql("chunks.id, chunks.search_vector", tsQuery, { condition: visible, join: BOT_SOURCES })}) holding LIMIT ${candidates}) matched,
            to_tsquery('simple', ${rankBy}) ranking
       ORDER BY rank DESC, id
       LIMIT ${limit}
     ) ranked JOIN chunks c ON c.id = ranked.id
     ORDER BY position`;
}

/**
 * The chunks of one bot most relevant to a question: nearest neighbours by
 * cosine distance (exact for a small bot, else a walk of the bot's own HNSW
 * graph, with pgvector's iterative scan so that chunks no reader may see
 * cannot starve the result) above the bot's minimum similarity, fused by
 * reciprocal rank with PostgreSQL full-text matches, so exact names, codes
 * and numbers are found even when the embedding misses them.
 */
export function createRetrieval({ prisma, embedder }: { prisma: PrismaClient; embedder: Embedder }) {
  async function search(botId: string, vector: number[], question: string, { topK, minSimilarity = null }: RetrievalOptions): Promise<RetrievedChunk[]> {
    const least = minSimilarity ?? embedder.minSimilarity;
    const candidates = Math.max(topK * 4, 20);
    const q = toVectorBinary(vector);
    const { common, frequent } = await words();
    const tsQuery = textQuery(question, common, frequent);
    // Both lists in one statement: on PGlite every statement is a trip
    // through the WASM boundary and the Prisma engine. (The HNSW settings are
    // the session's: see VECTOR_SEARCH_SETTINGS.)
    const params: unknown[] = [botId, q, candidates];
    const rows = await prisma.$queryRawUnsafe<(Row & { list: "vector" | "text"; position: bigint })[]>(
      `SELECT 'vector' AS list, row_number() OVER (ORDER BY similarity DESC) AS position,
              id, source_id, source_type::text AS source_type, content, metadata, similarity FROM (${nearestSql(botId)}) nearest
       ${tsQuery ? `UNION ALL (${textMatchesSql(`$${params.push(tsQuery)}`, "$3")})` : ""}`,
      ...params,
    );
    rows.sort((a, b) => Number(a.position - b.position));
    const byVector = rows.filter((row) => row.list === "vector");
    const byText = rows.filter((row) => row.list === "text");

    const fused = new Map<bigint, RetrievedChunk>();
    const add = (row: Row, rank: number, matchedText: boolean) => {
      const existing = fused.get(row.id);
      const score = 1 / (RRF_K + rank + 1);
      if (existing) {
        existing.score += score;
        existing.matchedText ||= matchedText;
      } else {
        fused.set(row.id, {
          id: row.id,
          sourceId: row.source_id,
          sourceType: row.source_type,
          content: row.content,
          metadata: row.metadata ?? {},
          similarity: Number(row.similarity),
          score,
          matchedText,
        });
      }
    };
    byVector.filter((row) => Number(row.similarity) >= least).forEach((row, rank) => add(row, rank, false));
    byText.forEach((row, rank) => add(row, rank, true));
    if (!fused.size) (await mostWords(botId, q, question, candidates)).forEach((row, rank) => add(row, rank, true));
    return [...fused.values()].sort((a, b) => b.score - a.score || b.similarity - a.similarity).slice(0, topK);
  }

  /**
   * The last resort when neither the embedding nor all the question's words
   * found anything: chunks with at least half of its content words, as
   * prefixes ("How fast is my refund?" finds the refunds policy, which never
   * says "fast", nor "refund" but "Refunds"), best ranked first.
   */
  async function mostWords(botId: string, q: Buffer, question: string, limit: number): Promise<Row[]> {
    const { terms } = textTerms(question, true);
    if (!terms.length) return [];
    const atLeast = Math.ceil(terms.length / 2);
    // A chunk with `atLeast` of the terms has one of any (terms - atLeast + 1) of them: the rarest so many find the
    // very same chunks through the text index, where all of them (common words' prefixes among them) matched so
    // much of a large bot that the planner read all of it, testing each term in each chunk (200 ms at 10k chunks).
    const { shares } = await words();
    const share = (term: string) => shares.get(term.replace(/:\*$/, "")) ?? 0;
    const rarest = [...terms].sort((a, b) => share(a) - share(b)).slice(0, terms.length - atLeast + 1);
    const params: unknown[] = [botId, q, limit, rarest.join(" | "), terms.join(" | ")];
    const enough = `${terms.map((term) => `(search_vector @@ to_tsquery('simple', $${params.push(term)}))::int`).join(" + ")} >= $${params.push(atLeast)}`;
    return prisma.$queryRawUnsafe<Row[]>(textMatchesSql("$4", "$3", { condition: enough, candidates: FALLBACK_CANDIDATES, rankBy: "$5" }), ...params);
  }

  let statistics: { at: number; words: Promise<WordStatistics> } | undefined;
  /**
   * The share of all chunks each frequent word is in, from PostgreSQL's
   * statistics of the column (empty until ANALYZE has run: autovacuum on
   * PostgreSQL, createChunkMaintenance after ingestion on PGlite). A word not
   * listed is rarer than every listed one. Once read, they are read again in
   * the background when stale, while questions go on with the ones held: the
   * read takes ~10 ms (~140 ms the first time in a session), which a
   * visitor's question would otherwise wait for once a minute.
   */
  function words(): Promise<WordStatistics> {
    if (!statistics) statistics = { at: Date.now(), words: readWords() };
    else if (Date.now() - statistics.at > COMMON_WORDS_TTL_MS) {
      const held = statistics;
      held.at = Date.now(); // one read at a time
      void readWords().then((words) => void (held.words = Promise.resolve(words)));
    }
    return statistics.words;
  }

  const readWords = () => readWordStatistics(prisma);

  /** A question's vector, for search. */
  async function embed(question: string, signal?: AbortSignal): Promise<number[]> {
    const [vector] = await embedder.embed([question], signal);
    return vector!;
  }

  /**
   * How many of a bot's current chunks hold each term (as a prefix from four
   * letters on, as stems are), and how many it has: what an answer's
   * grounding weighs words by. Counted through the text index, at most
   * STATISTICS_CAP per term: a word in that many chunks is common anyway.
   */
  async function termStatistics(botId: string, terms: readonly string[]): Promise<TermStatistics> {
    const params: unknown[] = [botId];
    const counts = terms.map((term) => {
      const lexeme = term.length >= 4 && !/\d/.test(term) ? `${term}:*` : term;
      return `(SELECT count(*) FROM (${holdingSql("1", `$${params.push(lexeme)}`)} LIMIT ${STATISTICS_CAP}) m)::int AS "${params.length - 2}"`;
    });
    const [row] = await prisma.$queryRawUnsafe<Record<string, number>[]>(
      `SELECT (SELECT coalesce(sum(chunk_count), 0) FROM sources WHERE bot_id = $1::uuid)::int AS chunks${counts.length ? `, ${counts.join(", ")}` : ""}`,
      ...params,
    );
    return { chunks: row?.chunks ?? 0, holding: new Map(terms.map((term, i) => [term, row?.[String(i)] ?? 0])) };
  }

  return {
    /** The minimum similarity of a bot that has not chosen one. */
    defaultMinSimilarity: embedder.minSimilarity,
    search,
    embed,
    termStatistics,
    async retrieve(botId: string, question: string, options: RetrievalOptions, signal?: AbortSignal): Promise<RetrievedChunk[]> {
      return search(botId, await embed(question, signal), question, options);
    },
  };
}

export type Retrieval = ReturnType<typeof createRetrieval>;

/** One entry per source, from its best chunk, in order of relevance. */
export function citeSources(chunks: RetrievedChunk[]): CitedSource[] {
  const bySource = new Map<string, CitedSource>();
  for (const chunk of chunks) {
    if (bySource.has(chunk.sourceId)) continue;
    bySource.set(chunk.sourceId, {
      type: chunk.sourceType,
      id: chunk.sourceId,
      name: chunk.metadata.title ?? chunk.metadata.source ?? "source",
      url: chunk.metadata.url ?? null,
      page: chunk.metadata.page ?? null,
      section: chunk.metadata.heading ?? null,
      score: Math.round(chunk.similarity * 1000) / 1000,
      snippet: snippet(chunk.content),
    });
  }
  return [...bySource.values()];
}

function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, flat.lastIndexOf(" ", max - 1) > 0 ? flat.lastIndexOf(" ", max - 1) : max - 1)}…`;
}
