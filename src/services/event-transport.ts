import { randomUUID } from "node:crypto";
import { EventEmitter, on } from "node:events";
import type { RedisClientType } from "redis";

/** One named stream of events between instances. */
export interface EventChannel<E> {
  /** Sends an event to every other instance; never throws, never waits (a Redis that is away loses it). */
  send(event: E): void;
  /** Calls `receive` with every event another instance sends. */
  listen(receive: (event: E) => void): void;
}

/**
 * How events reach the other instances. Without one, events stay in the
 * process: enough for a single instance.
 */
export interface EventTransport {
  /** The channel `name`; `revive` turns what arrived as JSON back into an event (dates), or drops garbage. */
  channel<E>(name: string, revive: (raw: unknown) => E | undefined): EventChannel<E>;
}

/** The channels an instance listens on, subscribed before the server takes requests so that none of its first events is missed. */
export const EVENT_CHANNELS = ["source-events", "handoff"] as const;

/**
 * Events over Redis pub/sub, one Redis channel per name. Written here rather
 * than taken from @graphql-yoga/redis-event-target, which needs ioredis:
 * Parley already holds a node-redis client for rate limits, and the bridge
 * is this small. A subscribed Redis connection can do nothing else, hence
 * the duplicate (one for every channel).
 */
export async function createRedisEventTransport(
  client: Pick<RedisClientType, "publish" | "duplicate">,
  onError: (error: Error) => void,
  names: readonly string[] = EVENT_CHANNELS,
): Promise<EventTransport & { close(): Promise<void> }> {
  // Each instance knows its own messages when Redis echoes them back: it has delivered them already.
  const instance = randomUUID();
  const subscriber = client.duplicate();
  subscriber.on("error", onError);
  await subscriber.connect();
  const receivers = new Map<string, ((raw: unknown) => void)[]>(names.map((name) => [name, []]));
  for (const name of names) {
    await subscriber.subscribe(`parley:${name}`, (message: string) => {
      const raw = parseMessage(message, instance);
      if (raw !== undefined) receivers.get(name)?.forEach((receive) => receive(raw));
    });
  }
  return {
    channel<E>(name: string, revive: (raw: unknown) => E | undefined): EventChannel<E> {
      const listeners = receivers.get(name);
      if (!listeners) throw new Error(`Event channel ${name} is not one of ${names.join(", ")}.`);
      return {
        send(event) {
          client.publish(`parley:${name}`, JSON.stringify({ event, from: instance })).catch(onError);
        },
        listen(receive) {
          listeners.push((raw) => {
            const event = revive(raw);
            if (event !== undefined) receive(event);
          });
        },
      };
    },
    async close() {
      await subscriber.close().catch(() => {});
    },
  };
}

/** What another instance sent; undefined for this instance's own, or for garbage. */
function parseMessage(message: string, self: string): unknown {
  try {
    const { from, event } = JSON.parse(message) as { from?: string; event?: unknown };
    return from === self || event === null || typeof event !== "object" ? undefined : event;
  } catch {
    return undefined;
  }
}

/**
 * Publish/subscribe by topic, across instances when a channel is given: a
 * publisher on one instance reaches subscribers on every other. This
 * instance's own subscribers hear its events directly, Redis or not.
 */
export function createTopics<E>(topicsOf: (event: E) => readonly string[], channel?: EventChannel<E>) {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const deliver = (event: E) => {
    for (const topic of topicsOf(event)) emitter.emit(topic, event);
  };
  channel?.listen(deliver);
  return {
    publish(event: E): void {
      deliver(event);
      channel?.send(event);
    },
    /** Events of `topic` until `signal` aborts (or the consumer stops iterating). */
    async *subscribe(topic: string, signal: AbortSignal): AsyncGenerator<E> {
      try {
        for await (const [event] of on(emitter, topic, { signal })) yield event as E;
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    },
  };
}
