import workerpool from "workerpool";
import { ExtractionError, type SourceErrorCode } from "../../connectors/index.js";
import { extractChunks, type ExtractionResult, type ExtractionTask, type ProgressStep } from "./extraction.js";

/**
 * The extraction worker process (see extraction-pool.ts). Errors come back
 * as data: a thrown error crosses the process boundary without its class,
 * code or retryable flag.
 */

export type ProgressMessage = [ProgressStep, number, number | null, string];

export type WorkerOutcome =
  | { ok: true; result: ExtractionResult }
  | { ok: false; message: string; code: SourceErrorCode; retryable: boolean; internal?: string };

async function extract(task: ExtractionTask): Promise<WorkerOutcome> {
  try {
    // The pool ends the whole process on cancel or time-out, so nothing in here needs a live signal.
    const result = await extractChunks(task, new AbortController().signal, (...report) => workerpool.workerEmit(report satisfies ProgressMessage));
    return { ok: true, result };
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

workerpool.worker({ extract });
// The server ended this worker (cancelled, timed out, or stopping): nothing is left to report to.
process.on("disconnect", () => process.exit(0));
