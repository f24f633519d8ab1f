import { randomUUID } from "node:crypto";
import { EventEmitter, on } from "node:events";
import type { SyncStatus } from "@prisma/client";
import type { RedisClientType } from "redis";
import type { SourceErrorCode } from "../../../connectors/index.js";
import type { BotEvent } from "../answering/checks.js";

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
 * How events reach the other instances. Without one, events stay in the
 * process: enough for a single instance.
 */
export interface EventTransport {
  /** Sends an event to every other instance; never throws, never waits (a Redis that is away loses it). */
  send(event: SourceEvent): void;
  /** Calls `receive` with every event another instance sends. */
  listen(receive: (event: SourceEvent) => void): void;
}

/**
 * Publish/subscribe for source events. A job runs on whichever instance
 * claimed it, while the admin following it may be connected to another:
 * with a transport (Redis) every instance hears every event. This
 * instance's own subscribers hear its events directly, Redis or not.
 */
export function createSourceEvents(transport?: EventTransport) {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const deliver = (event: SourceEvent) => emitter.emit(`bot:${event.botId}`, event);
  transport?.listen(deliver);
  return {
    publish(event: Omit<SourceEvent, "at">): void {
      const stamped = { ...event, at: new Date() };
      deliver(stamped);
      transport?.send(stamped);
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

/**
 * Source events over one Redis channel. Written here rather than taken from
 * @graphql-yoga/redis-event-target, which needs ioredis: Parley already
 * holds a node-redis client for rate limits, and the bridge is this small.
 * A subscribed Redis connection can do nothing else, hence the duplicate.
 */
export async function createRedisEventTransport(
  client: Pick<RedisClientType, "publish" | "duplicate">,
  onError: (error: Error) => void,
  channel = "parley:source-events",
): Promise<EventTransport & { close(): Promise<void> }> {
  // Each instance knows its own messages when Redis echoes them back: it has delivered them already.
  const instance = randomUUID();
  const subscriber = client.duplicate();
  subscriber.on("error", onError);
  await subscriber.connect();
  const receivers: ((event: SourceEvent) => void)[] = [];
  await subscriber.subscribe(channel, (message: string) => {
    const event = parseEvent(message, instance);
    if (event) receivers.forEach((receive) => receive(event));
  });
  return {
    send(event) {
      client.publish(channel, JSON.stringify({ ...event, from: instance })).catch(onError);
    },
    listen(receive) {
      receivers.push(receive);
    },
    async close() {
      await subscriber.close().catch(() => {});
    },
  };
}

/** An event another instance sent; undefined for this instance's own, or for garbage. */
function parseEvent(message: string, self: string): SourceEvent | undefined {
  try {
    const { from, ...event } = JSON.parse(message) as SourceEvent & { at: string; from?: string };
    return from === self ? undefined : { ...event, at: new Date(event.at) };
  } catch {
    return undefined;
  }
}

/**
 * Things that happen to a bot which other systems may want to hear of: a
 * check that passed and now fails, for now. In-process; the outbound
 * webhooks of a later issue subscribe here.
 */
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
