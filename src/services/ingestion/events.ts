import type { SyncStatus } from "@prisma/client";
import { createTopics, type EventTransport } from "../event-transport.js";
import type { SourceErrorCode } from "../../../connectors/index.js";
import type { ProgressStep } from "./extraction.js";

/** What admin frontends hear about a bot's sources while they are ingested. */
export interface SourceEvent {
  botId: string;
  sourceId: string;
  status: SyncStatus | "DELETED";
  /** Progress of the current step, when known. */
  progress?: { step: ProgressStep; done: number; total: number | null; unit: string };
  chunkCount?: number;
  attempts?: number;
  error?: string | null;
  errorCode?: SourceErrorCode | null;
  at: Date;
}

/** The channel source events cross instances on. */
export const SOURCE_EVENTS_CHANNEL = "source-events";

/**
 * Publish/subscribe for source events. A job runs on whichever instance
 * claimed it, while the admin following it may be connected to another:
 * with a transport (Redis) every instance hears every event.
 */
export function createSourceEvents(transport?: EventTransport) {
  const topics = createTopics<SourceEvent>((event) => [`bot:${event.botId}`], transport?.channel(SOURCE_EVENTS_CHANNEL, reviveSourceEvent));
  return {
    publish(event: Omit<SourceEvent, "at">): void {
      topics.publish({ ...event, at: new Date() });
    },
    /** Events of one bot until `signal` aborts (or the consumer stops iterating). */
    subscribe(botId: string, signal: AbortSignal): AsyncGenerator<SourceEvent> {
      return topics.subscribe(`bot:${botId}`, signal);
    },
  };
}

export type SourceEvents = ReturnType<typeof createSourceEvents>;

/** A source event as it arrived from another instance (JSON: its date as a string). */
function reviveSourceEvent(raw: unknown): SourceEvent | undefined {
  const event = raw as SourceEvent & { at: string };
  return typeof event.botId === "string" ? { ...event, at: new Date(event.at) } : undefined;
}
