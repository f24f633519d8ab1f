import os from "node:os";
import workerpool from "workerpool";
import { ExtractionError, type SourceErrorCode } from "../../../connectors/index.js";
import { extractChunks, type ChunkDraft, type ExtractionResult, type ExtractionTask, type ProgressStep } from "./extraction.js";

/**
 * The extraction worker process (see extraction-pool.ts). Errors come back
 * as data: a thrown error crosses the process boundary without its class,
 * code or retryable flag.
 */

export type ProgressMessage = [ProgressStep, number, number | null, string];

/** Part of the result's chunks, in order, with their vectors when embedded here. */
export interface ChunkSlice {
  chunks: ChunkDraft[];
  vectors: Float32Array | null;
}

/**
 * Chunks per message back to the server. A 10 MB text is 11k chunks and
 * 28 MB serialized: as one message, the server's thread spent 30 to 90 ms
 * deserializing it (measured) at a stretch. A slice is ~0.6 MB, ~0.9 with
 * its chunks' text index entries.
 */
const SLICE_CHUNKS = 256;

/**
 * Reading and embedding a source is background work: ten steps nicer than
 * the server that started it, the server's thread and the database's
 * preempt it, so other tenants' requests do not share the cores with it
 * evenly (bench:isolation: their sendMessage p50 during an ingestion 78 and
 * 64 ms in two runs, 87–96 in five without). Lowering one's own priority
 * needs no privilege; where it is refused, the worker keeps the server's.
 */
try {
  os.setPriority(Math.min(19, os.getPriority() + 10));
} catch {
  // not permitted here
}

export type WorkerOutcome =
  { ok: true; result: ExtractionResult } | { ok: false; message: string; code: SourceErrorCode; retryable: boolean; internal?: string };

async function extract(task: ExtractionTask): Promise<WorkerOutcome> {
  try {
    // The pool ends the whole process on cancel or time-out, so nothing in here needs a live signal.
    const result = await extractChunks(task, new AbortController().signal, (...report) => workerpool.workerEmit(report satisfies ProgressMessage));
    if (result.unchanged) return { ok: true, result };
    sendInSlices(result.chunks, result.vectors, task.embedHere?.dimension ?? 0);
    return { ok: true, result: { ...result, chunks: [], vectors: null } };
  } catch (error) {
    if (error instanceof ExtractionError) return { ok: false, message: error.message, code: error.code, retryable: error.retryable };
    return {
      ok: false,
      message: "An internal error interrupted reading this source. Details are in the server log.",
      code: "INTERNAL_ERROR",
      retryable: true,
      internal: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
}

/** The chunks go ahead of the result, which then carries none (see SLICE_CHUNKS). */
function sendInSlices(chunks: ChunkDraft[], vectors: Float32Array | null, dimension: number) {
  for (let start = 0; start < chunks.length; start += SLICE_CHUNKS) {
    const end = Math.min(start + SLICE_CHUNKS, chunks.length);
    workerpool.workerEmit({ chunks: chunks.slice(start, end), vectors: vectors?.slice(start * dimension, end * dimension) ?? null } satisfies ChunkSlice);
  }
}

workerpool.worker({ extract });
// The server ended this worker (cancelled, timed out, or stopping): nothing is left to report to.
process.on("disconnect", () => process.exit(0));
