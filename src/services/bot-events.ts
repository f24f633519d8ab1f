import type { SourceErrorCode } from "../../connectors/index.js";

/**
 * What other systems may hear of a bot: the events outbound webhooks carry
 * (src/services/webhooks). Published in the process where it happened, so
 * each is heard once however many instances run.
 */
export type BotEvent =
  /** A source was read and its chunks stored (again). */
  | { type: "source.synced"; botId: string; sourceId: string; chunkCount: number; unchanged: boolean; at: Date }
  /** A link's sync found pages added, changed or removed (its history entry is `syncId`). */
  | { type: "source.changed"; botId: string; sourceId: string; syncId: string; added: number; changed: number; removed: number; urls: string[]; at: Date }
  /** A source could not be read, for good (its retries spent, or a failure retrying cannot mend). */
  | { type: "source.failed"; botId: string; sourceId: string; errorCode: SourceErrorCode | "SERVER_STOPPED" | null; error: string; at: Date }
  /** The bot could not answer from its sources. */
  | { type: "conversation.unanswered"; botId: string; sessionId: string; messageId: string; question: string; at: Date }
  /** A visitor rated an answer down. */
  | { type: "answer.rated_down"; botId: string; sessionId: string; messageId: string; at: Date }
  /** A check that passed now fails. */
  | { type: "checks.regressed"; botId: string; runId: string; regressions: number; at: Date }
  /** A visitor asked for a person and joined the queue. */
  | { type: "handoff.requested"; botId: string; sessionId: string; at: Date }
  /** A visitor left a message when nobody could come. */
  | { type: "lead.created"; botId: string; leadId: string; sessionId: string | null; at: Date };

export type BotEventType = BotEvent["type"];

/** Every type, in the order the API lists them. */
export const BOT_EVENT_TYPES = [
  "source.synced",
  "source.changed",
  "source.failed",
  "conversation.unanswered",
  "answer.rated_down",
  "checks.regressed",
  "handoff.requested",
  "lead.created",
] as const satisfies readonly BotEventType[];

/** In-process publish/subscribe for bot events. */
export function createBotEvents() {
  const listeners = new Set<(event: BotEvent) => void>();
  return {
    publish(event: BotEvent): void {
      for (const listener of listeners) listener(event);
    },
    /** Calls `listener` with every event until the returned function is called. */
    subscribe(listener: (event: BotEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type BotEvents = ReturnType<typeof createBotEvents>;
