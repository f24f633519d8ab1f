import { EventEmitter, on } from "node:events";
import type { SyncStatus } from "@prisma/client";
import type { SourceErrorCode } from "../../connectors/index.js";

/** What admin frontends hear about a bot's sources while they are ingested. */
export interface SourceEvent {
  botId: string;
  sourceId: string;
  status: SyncStatus | "DELETED";
  /** Progress of the current step, when known. */
  progress?: { step: "extracting" | "embedding" | "storing"; done: number; total: number | null; unit: string };
  chunkCount?: number;
  attempts?: number;
  error?: string | null;
  errorCode?: SourceErrorCode | null;
  at: Date;
}

/**
 * In-process publish/subscribe for source events. Every instance hears the
 * events of the jobs it runs; with several instances on one PostgreSQL an
 * admin hears the instance they are connected to.
 */
export function createSourceEvents() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish(event: Omit<SourceEvent, "at">): void {
      emitter.emit(`bot:${event.botId}`, { ...event, at: new Date() });
    },
    /** Events of one bot until `signal` aborts (or the consumer stops iterating). */
    async *subscribe(botId: string, signal: AbortSignal): AsyncGenerator<SourceEvent> {
      try {
        for await (const [event] of on(emitter, `bot:${botId}`, { signal })) yield event as SourceEvent;
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    },
  };
}

export type SourceEvents = ReturnType<typeof createSourceEvents>;
