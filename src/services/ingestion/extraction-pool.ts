import { fileURLToPath } from "node:url";
import workerpool from "workerpool";
import { ExtractionError, formatBytes } from "../../../connectors/index.js";
import { runnableScript } from "../../from-source.js";
import type { Logger } from "../../logger.js";
import type { ChunkDraft, ExtractionResult, ExtractionTask, OnProgress } from "./extraction.js";
import type { ChunkSlice, ProgressMessage, WorkerOutcome } from "./extraction-worker.js";

export interface ExtractionPoolOptions {
  /** Worker processes, and so sources read at once. @default 2 */
  workers?: number;
  /** Heap of each worker (--max-old-space-size); a source needing more fails as SOURCE_TOO_LARGE. @default 1024 */
  heapMb?: number;
  /** The longest one source may take to read; then its worker is ended. @default 300000 */
  timeoutMs?: number;
}

/** What V8 writes to stderr as it aborts a process that ran out of heap. */
const OUT_OF_MEMORY = /heap out of memory|Reached heap limit/i;
/** The end of a worker's stderr kept per task, for the log and to tell why it died. */
const STDERR_TAIL = 4096;

/**
 * Reads sources in child processes through workerpool: parsers and the
 * embedded embedder never run on the server's event loop, and a worker that
 * runs out of heap or time is ended and replaced while the server goes on.
 * Processes rather than threads: a worker thread's resourceLimits could not
 * keep a DOCX that fills its heap from aborting the whole server (measured:
 * "FATAL ERROR: Reached heap limit" took the process down 3 times in 3),
 * while a child process that dies takes only itself. Each failure becomes an
 * ExtractionError with a stable code for the source.
 */
export function createExtractionPool(logger: Logger, { workers = 2, heapMb = 1024, timeoutMs = 300_000 }: ExtractionPoolOptions = {}) {
  // Made when the first source is read: the worker script is bundled first when run from source (runnableScript).
  let started: Promise<workerpool.Pool> | undefined;
  const pool = () =>
    (started ??= runnableScript(import.meta.url, "extraction-worker").then((script) =>
      workerpool.pool(fileURLToPath(script), {
        workerType: "process",
        minWorkers: 0, // no process (nor its memory) until a source needs one
        maxWorkers: workers,
        // Typed arrays (file bytes, vectors) cross the process boundary as they are, not as JSON.
        forkOpts: { execArgv: [`--max-old-space-size=${heapMb}`], serialization: "advanced" },
        // A worker's stderr comes to the task (see run), not straight to the server's.
        emitStdStreams: true,
        workerTerminateTimeout: 2000,
      }),
    ));

  async function run(task: ExtractionTask, signal: AbortSignal, onProgress: OnProgress): Promise<ExtractionResult> {
    signal.throwIfAborted();
    let stderr = "";
    const slices: ChunkSlice[] = [];
    const on = (message: ProgressMessage | ChunkSlice | { stdout?: string; stderr?: string }) => {
      if (Array.isArray(message)) onProgress(...message);
      else if ("chunks" in message) slices.push(message);
      else if (message.stderr) stderr = (stderr + message.stderr).slice(-STDERR_TAIL);
    };
    const execution = (await pool()).exec("extract", [task], { on }).timeout(timeoutMs);
    const cancel = () => {
      try {
        execution.cancel(); // ends the worker process
      } catch (error) {
        logger.warn("could not cancel an extraction", { error });
      }
    };
    signal.addEventListener("abort", cancel, { once: true });
    let outcome: WorkerOutcome;
    try {
      outcome = (await execution) as WorkerOutcome;
    } catch (error) {
      signal.throwIfAborted(); // cancelled or shutting down: the caller's business, not the source's
      const failure = describeWorkerFailure(error, stderr, { heapMb, timeoutMs });
      logger.warn("an extraction worker was ended", { connector: task.connector, code: failure.code, stderr: stderr || undefined });
      throw failure;
    } finally {
      signal.removeEventListener("abort", cancel);
    }
    if (outcome.ok) return outcome.result.unchanged ? outcome.result : { ...outcome.result, ...joinSlices(slices) };
    if (outcome.internal) logger.error("extraction failed inside a worker", { connector: task.connector, error: outcome.internal });
    throw new ExtractionError(outcome.message, { code: outcome.code, retryable: outcome.retryable });
  }

  return {
    run,
    /** Ends every worker, running or not. */
    close: async () => {
      await (await started)?.terminate(true);
    },
  };
}

export type ExtractionPool = ReturnType<typeof createExtractionPool>;

/** The result's chunks and vectors, sent ahead of it in slices (see extraction-worker.ts). */
function joinSlices(slices: ChunkSlice[]): { chunks: ChunkDraft[]; vectors: Float32Array | null } {
  const chunks = slices.flatMap((slice) => slice.chunks);
  if (!slices.some((slice) => slice.vectors)) return { chunks, vectors: null };
  const vectors = new Float32Array(slices.reduce((sum, slice) => sum + (slice.vectors?.length ?? 0), 0));
  let offset = 0;
  for (const slice of slices) {
    vectors.set(slice.vectors!, offset);
    offset += slice.vectors!.length;
  }
  return { chunks, vectors };
}

function describeWorkerFailure(error: unknown, stderr: string, { heapMb, timeoutMs }: { heapMb: number; timeoutMs: number }): ExtractionError {
  if (error instanceof workerpool.Promise.TimeoutError) {
    return new ExtractionError(
      `Reading this source took longer than ${Math.round(timeoutMs / 1000)} s, the most Parley allows one source (EXTRACTION_TIMEOUT_MS). Split it into smaller files.`,
      { code: "EXTRACTION_TIMEOUT" },
    );
  }
  if (OUT_OF_MEMORY.test(stderr)) {
    return new ExtractionError(
      `Reading this source needed more than the ${formatBytes(heapMb * 1024 * 1024)} of memory Parley gives one source (EXTRACTION_HEAP_MB). It may expand far beyond its file size; split it into smaller files.`,
      { code: "SOURCE_TOO_LARGE", cause: error },
    );
  }
  return new ExtractionError("The reader of this source crashed. The file may be damaged; try saving it again, or in another format.", {
    code: "EXTRACTION_CRASHED",
    cause: error,
  });
}
