import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import type { PrismaClient, Source } from "@prisma/client";
import { connectorNamed, ExtractionError, type ExtractContext, type Section } from "../../connectors/index.js";
import type { Config } from "../config.js";
import { toVectorLiteral } from "../db/vector.js";
import type { Embedder } from "../providers/embeddings.js";
import type { SourceEvents } from "./events.js";
import { sha256 } from "./secrets.js";

export interface ChunkDraft {
  content: string;
  index: number;
  metadata: { source: string; url?: string; page?: number; heading?: string; title?: string };
}

/** Whitespace and control characters as extracted text tends to have them. */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
    .replace(/\u00a0/g, " ")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Splits sections into chunks, each carrying where it came from. */
export async function splitSections(sections: Section[], sourceName: string, size: number, overlap: number): Promise<ChunkDraft[]> {
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
          ...(section.title && { title: section.title }),
        },
      });
    }
  }
  return chunks;
}

/** Rows per INSERT: 7 parameters each, well under PostgreSQL's 65535. */
const INSERT_BATCH = 500;

export interface IngestionResult {
  chunkCount: number;
  /** True when the content was unchanged and nothing was embedded. */
  unchanged: boolean;
}

/**
 * Extract → clean → split → embed → store, for one source. The new chunks
 * replace the old ones in one transaction, so a bot answers from the old or
 * the new version of a source, never from half of one or from nothing.
 */
export function createIngestion({ prisma, config, embedder, events }: { prisma: PrismaClient; config: Config; embedder: Embedder; events: SourceEvents }) {
  const webSettings: ExtractContext["web"] = {
    allowPrivateUrls: config.ALLOW_PRIVATE_URLS,
    timeoutMs: 15_000,
    maxBytes: 5 * 1024 * 1024,
    maxRedirects: 5,
  };

  async function ingest(sourceId: string, signal: AbortSignal, options: { force?: boolean } = {}): Promise<IngestionResult> {
    const source = await prisma.source.findUniqueOrThrow({ where: { id: sourceId }, include: { file: true } });
    const connector = connectorNamed(source.connector);
    if (!connector) throw new ExtractionError(`No connector named "${source.connector}" is installed.`);
    const progress = (step: "extracting" | "embedding" | "storing", done: number, total: number | null, unit: string) =>
      events.publish({ botId: source.botId, sourceId, status: "PROCESSING", progress: { step, done, total, unit } });

    const extracted = await connector.extract(
      {
        kind: source.kind,
        name: source.name,
        mimeType: source.mimeType,
        ...(source.file && { bytes: source.file.data }),
        url: source.url,
        options: source.options as Record<string, unknown>,
      },
      { signal, web: webSettings, onProgress: (done, total, unit) => progress("extracting", done, total, unit) },
    );
    signal.throwIfAborted();
    const sections = extracted.sections.map((s) => ({ ...s, text: cleanText(s.text) })).filter((s) => s.text);
    if (!sections.length) throw new ExtractionError("The source contains no text.");
    const content = sections.map((s) => s.text).join("\n\n");
    // The model is part of the hash: new model, new vectors.
    const contentHash = sha256(`${embedder.model}\n${config.CHUNK_SIZE}/${config.CHUNK_OVERLAP}\n${JSON.stringify(sections)}`);
    const title = extracted.title ?? source.title;

    if (!options.force && source.contentHash === contentHash && source.lastSyncedAt) {
      await prisma.source.update({
        where: { id: sourceId },
        data: { syncStatus: "SYNCED", lastError: null, attempts: 0, lastSyncedAt: new Date(), title },
      });
      return { chunkCount: source.chunkCount, unchanged: true };
    }

    const chunks = await splitSections(sections, source.name, config.CHUNK_SIZE, config.CHUNK_OVERLAP);
    const vectors: string[] = [];
    const batchSize = 32;
    for (let i = 0; i < chunks.length; i += batchSize) {
      signal.throwIfAborted();
      const batch = chunks.slice(i, i + batchSize);
      const embeddings = await embedder.embed(batch.map((c) => c.content), signal);
      vectors.push(...embeddings.map(toVectorLiteral));
      progress("embedding", Math.min(i + batchSize, chunks.length), chunks.length, "chunks");
    }
    signal.throwIfAborted();
    progress("storing", 0, chunks.length, "chunks");
    await storeChunks(prisma, source, chunks, vectors, { content, contentHash, title });
    return { chunkCount: chunks.length, unchanged: false };
  }

  return { ingest };
}

export type Ingestion = ReturnType<typeof createIngestion>;

export async function storeChunks(
  prisma: PrismaClient,
  source: Source,
  chunks: ChunkDraft[],
  vectors: string[],
  update: { content: string; contentHash: string; title: string | null },
): Promise<void> {
  await prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`DELETE FROM chunks WHERE source_id = ${source.id}::uuid`;
      for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
        const params: unknown[] = [source.botId, source.id, source.kind];
        const rows = chunks.slice(start, start + INSERT_BATCH).map((chunk, j) => {
          params.push(chunk.content, chunk.index, vectors[start + j], JSON.stringify(chunk.metadata));
          const n = params.length;
          return `($1::uuid, $2::uuid, $3::"SourceKind", $${n - 3}, $${n - 2}::int, $${n - 1}::vector, $${n}::jsonb)`;
        });
        await tx.$executeRawUnsafe(
          `INSERT INTO chunks (bot_id, source_id, source_type, content, chunk_index, embedding, metadata) VALUES ${rows.join(",")}`,
          ...params,
        );
      }
      await tx.source.update({
        where: { id: source.id },
        data: {
          content: update.content,
          contentHash: update.contentHash,
          title: update.title,
          chunkCount: chunks.length,
          syncStatus: "SYNCED",
          lastError: null,
          attempts: 0,
          lastSyncedAt: new Date(),
        },
      });
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
