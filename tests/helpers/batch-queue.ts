import type { PGlite } from "@electric-sql/pglite";
import type { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/*
 * The PGlite socket server runs the messages of all its connections through
 * one queue into PGlite's one session, and keeps a connection's turn only
 * while a transaction is open. An extended-protocol batch (Parse, Bind,
 * Execute, Sync) is not a transaction, so two connections' batches
 * interleave: one binds against the other's unnamed statement and gets
 * errors or, worse, the other's rows (electric-sql/pglite#1046, open; the
 * fix proposed in #977 is not released). Two Parley processes claiming the
 * same conversation at once hit exactly that: NOT_FOUND and
 * INTERNAL_SERVER_ERROR where PostgreSQL answers CONFLICT.
 *
 * This queue takes the library's place in tests: a connection keeps its turn
 * until PGlite is ready for a new query outside a transaction (after its Sync
 * or simple Query), and a message that throws fails alone instead of stopping
 * the queue for everyone.
 */

interface Queued {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

/** Messages after which the backend says ReadyForQuery: a batch ends there. */
const ENDS_BATCH = new Set(["S".charCodeAt(0), "Q".charCodeAt(0), "X".charCodeAt(0)]);

/** A startup message has no type byte: its first four bytes are its length, so its first byte is 0. */
const isStartup = (message: Uint8Array) => message[0] === 0;

export class BatchQueue {
  private queue: Queued[] = [];
  private running = false;
  /** The connection whose batch or transaction is under way, if any. */
  private owner: number | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.run();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (const item of this.queue.filter((q) => q.handlerId === handlerId)) item.reject(new Error("Handler disconnected"));
    this.queue = this.queue.filter((q) => q.handlerId !== handlerId);
  }

  /** A connection gone mid-batch or mid-transaction gives its turn back, its transaction rolled back. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    this.owner = null;
    await this.run();
  }

  private next(): Queued | undefined {
    if (this.owner === null) return this.queue.shift();
    const index = this.queue.findIndex((q) => q.handlerId === this.owner);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let item = this.next(); item; item = this.next()) await this.execute(item);
    } finally {
      this.running = false;
    }
  }

  private async execute(item: Queued): Promise<void> {
    let bytes = 0;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(item.message, {
          onRawData: (data) => {
            bytes += data.length;
            item.onData(data);
          },
        }),
      );
    } catch (error) {
      this.passTurn(item);
      item.reject(error as Error);
      return;
    }
    this.passTurn(item);
    item.resolve(bytes);
  }

  /** The connection keeps its turn until its batch is over and no transaction is open. */
  private passTurn(item: Queued): void {
    const batchOver = isStartup(item.message) || ENDS_BATCH.has(item.message[0]!);
    this.owner = batchOver && !this.db.isInTransaction() ? null : item.handlerId;
  }
}

/** Puts a BatchQueue in the server's place before it accepts connections (its handlers take the server's queue). */
export function useBatchQueue(server: PGLiteSocketServer, db: PGlite): void {
  (server as unknown as { queryQueue: BatchQueue }).queryQueue = new BatchQueue(db);
}
