import { connectorNamed, createTextBudget, ExtractionError, type ExtractContext, type Section, type SourceInput } from "../../../connectors/index.js";
import { searchVectorBinary } from "../../db/text-search.js";
import { createEmbeddedEmbedder, type Embedder } from "../../providers/embeddings.js";
import type { EmbeddedEmbedderKind } from "../../providers/status.js";
import { sha256 } from "../access/secrets.js";
import { comparePages, type KnownPageState, type PageOutcome } from "./pages.js";

/**
 * The CPU-heavy half of ingestion: extract → clean → split (→ embed, for the
 * embedded embedder). It touches no database and no server state, so it
 * runs in a worker process (see extraction-pool.ts): a parser that loops,
 * or a file that inflates to gigabytes, costs one worker, not the server.
 */

export interface ChunkDraft {
  content: string;
  index: number;
  metadata: { source: string; url?: string; page?: number; heading?: string; title?: string };
  /**
   * The content's full-text index entry in tsvector's binary form
   * (searchVectorBinary), made where the chunk is: ~80 µs a chunk of 1,000
   * characters, which the server's thread (every tenant's requests) would
   * otherwise spend while storing. Made by storeChunks when absent.
   */
  searchVector?: Uint8Array;
}

export type ProgressStep = "extracting" | "embedding" | "storing" | "indexing";
export type OnProgress = (step: ProgressStep, done: number, total: number | null, unit: string) => void;

/** Everything a worker needs to read one source: plain data, cloned into the worker. */
export interface ExtractionTask {
  /** The connector named on the source row. */
  connector: string;
  input: SourceInput;
  web: ExtractContext["web"];
  chunkSize: number;
  chunkOverlap: number;
  /** MAX_EXTRACTED_BYTES: expanded archive parts and extracted text. */
  maxExtractedBytes: number;
  /** The embedding model, part of the content hash: a new model means new vectors. */
  embeddingModel: string;
  /** Embed here with this embedded embedder; null when the caller embeds (a model server). */
  embedHere: { kind: EmbeddedEmbedderKind; dimension: number } | null;
  /** The stored content hash: when the new content hashes the same, nothing is split or embedded. */
  previousHash: string | null;
  /** A link's pages as its last sync stored them: only what changed since is split and embedded. */
  known?: Record<string, KnownPageState>;
}

/** What became of a link's pages. */
export interface PagesResult {
  /** Only the pages added or changed were chunked; `retire` lists those whose stored chunks go. */
  incremental: boolean;
  outcomes: PageOutcome[];
  retire: string[];
}

export type ExtractionResult =
  | { unchanged: true; title: string | null; contentHash: string; pages?: PagesResult }
  | {
      unchanged: false;
      title: string | null;
      contentHash: string;
      pages?: PagesResult;
      chunks: ChunkDraft[];
      /** chunks.length × embedHere.dimension numbers, when embedded here. */
      vectors: Float32Array | null;
    };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A title, heading or address from a document, as one clean line (they are stored beside the text). */
export function cleanLine(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const line = text
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(LONE_SURROGATE, "\ufffd")
    .replace(/\s+/g, " ")
    .trim();
  return line || undefined;
}

/** Whitespace and control characters as extracted text tends to have them. */
export function cleanText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, "\n")
      // Control characters are exactly what this removes.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
      // Half of a UTF-16 pair is not text, and PostgreSQL refuses it.
      .replace(LONE_SURROGATE, "\ufffd")
      .replace(/\u00a0/g, " ")
      .replace(/[ \t]+\n/g, "\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim()
  );
}

/**
 * Splits sections into chunks, each carrying where it came from. The
 * splitter's module (LangChain's core with it) is loaded on the first split,
 * in the extraction worker: the server's process never splits.
 */
export async function splitSections(sections: Section[], sourceName: string, size: number, overlap: number, documentTitle?: string): Promise<ChunkDraft[]> {
  const { RecursiveCharacterTextSplitter } = await import("@langchain/textsplitters");
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: size, chunkOverlap: overlap });
  const chunks: ChunkDraft[] = [];
  for (const section of sections) {
    for (const content of await splitter.splitText(section.text)) {
      if (!content.trim()) continue;
      chunks.push({
        content,
        index: chunks.length,
        metadata: {
          source: sourceName,
          ...(section.url && { url: section.url }),
          ...(section.page !== undefined && { page: section.page }),
          ...(section.heading && { heading: section.heading }),
          // What answers name: the page's title, else the document's, else (no title) the file name in `source`.
          ...((section.title ?? documentTitle) && { title: section.title ?? documentTitle }),
        },
      });
    }
  }
  return chunks;
}

/** Chunks embedded per call, and per progress report. */
const EMBED_BATCH = 32;

/** The chunks' vectors, one after another: chunks.length × embedder.dimension numbers. */
export async function embedChunks(embedder: Embedder, chunks: ChunkDraft[], signal: AbortSignal, onProgress: OnProgress): Promise<Float32Array> {
  const vectors = new Float32Array(chunks.length * embedder.dimension);
  for (let i = 0; i < chunks.length; i += EMBED_BATCH) {
    signal.throwIfAborted();
    const batch = await embedder.embed(
      chunks.slice(i, i + EMBED_BATCH).map((c) => c.content),
      signal,
    );
    batch.forEach((vector, j) => vectors.set(vector, (i + j) * embedder.dimension));
    onProgress("embedding", Math.min(i + EMBED_BATCH, chunks.length), chunks.length, "chunks");
  }
  return vectors;
}

export async function extractChunks(task: ExtractionTask, signal: AbortSignal, onProgress: OnProgress): Promise<ExtractionResult> {
  const connector = connectorNamed(task.connector);
  if (!connector) throw new ExtractionError(`No connector named "${task.connector}" is installed.`);
  const extracted = await connector.extract(task.input, {
    signal,
    web: task.web,
    budget: createTextBudget(task.maxExtractedBytes),
    onProgress: (done, total, unit) => onProgress("extracting", done, total, unit),
    ...(task.known && { known: task.known }),
  });
  signal.throwIfAborted();
  const sections = extracted.sections
    .map((s) => ({ ...s, text: cleanText(s.text), heading: cleanLine(s.heading), title: cleanLine(s.title), url: cleanLine(s.url) }))
    .filter((s) => s.text);
  if (!sections.length && !extracted.pages) throw new ExtractionError("The source contains no text.");
  const title = cleanLine(extracted.title) ?? null;
  // The model and the chunking are part of the hash: either changed means new chunks.
  const settings = chunkingOf(task);
  let contentHash: string;
  let toSplit: Section[] = sections;
  let pages: PagesResult | undefined;
  if (extracted.pages) {
    // A page's chunks carry its title, or the site's when it has none: part of its hash.
    const hashOf = (page: Section[]) => sha256(`${settings}\n${JSON.stringify(page.map((s) => ({ ...s, title: s.title ?? title })))}`);
    const compared = comparePages(extracted.pages, sections, task.known ?? {}, hashOf);
    const incremental = Object.keys(task.known ?? {}).length > 0;
    pages = { incremental, outcomes: compared.outcomes, retire: compared.retire };
    const live = compared.outcomes.filter((o) => o.textHash && o.change !== "removed");
    contentHash = sha256(`${settings}\n${live.map((o) => `${o.url} ${o.textHash}`).join("\n")}`);
    if (incremental && compared.unchanged) return { unchanged: true, title, contentHash, pages };
    if (incremental) toSplit = compared.sections;
    if (!live.length) throw new ExtractionError("No page of the site could be read.");
  } else {
    // The title is in every chunk's metadata (answers name it): a new one means new chunks too.
    contentHash = sha256(`${settings}\n${title ?? ""}\n${JSON.stringify(sections)}`);
    if (contentHash === task.previousHash) return { unchanged: true, title, contentHash };
  }

  const chunks = (await splitSections(toSplit, task.input.name, task.chunkSize, task.chunkOverlap, title ?? undefined)).map((chunk) => ({
    ...chunk,
    searchVector: searchVectorBinary(chunk.content),
  }));
  if (pages) countChunksByPage(pages.outcomes, chunks);
  const { embedHere } = task;
  const vectors = embedHere ? await embedChunks(createEmbeddedEmbedder(embedHere.kind, embedHere.dimension), chunks, signal, onProgress) : null;
  return { unchanged: false, title, contentHash, chunks, vectors, ...(pages && { pages }) };
}

/** What decides a text's chunks besides the text: the embedding model and the chunk size. */
export function chunkingOf({ embeddingModel, chunkSize, chunkOverlap }: Pick<ExtractionTask, "embeddingModel" | "chunkSize" | "chunkOverlap">): string {
  return `${embeddingModel}\n${chunkSize}/${chunkOverlap}`;
}

/** Each added or changed page's new chunk count (the others keep theirs). */
function countChunksByPage(outcomes: PageOutcome[], chunks: ChunkDraft[]): void {
  const counts = new Map<string, number>();
  for (const chunk of chunks) counts.set(chunk.metadata.url ?? "", (counts.get(chunk.metadata.url ?? "") ?? 0) + 1);
  for (const outcome of outcomes) if (outcome.change === "added" || outcome.change === "changed") outcome.chunkCount = counts.get(outcome.url) ?? 0;
}
