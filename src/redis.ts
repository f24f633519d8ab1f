import { createClient } from "redis";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createRedisCounters, createResilientCounters } from "./services/access/counters.js";
import { createRedisEventTransport } from "./services/event-transport.js";
import type { ServiceOverrides } from "./services/index.js";

/** How long closing waits for Redis to say goodbye before the connection is cut. */
const CLOSE_TIMEOUT_MS = 1000;

/**
 * Redis, when REDIS_URL is set, is what makes several instances one:
 * rate-limit and log-in counts and source events are shared through it.
 * Fails fast if Redis is not there at start; once connected, it is a
 * dependency that may fail: commands are refused at once while it is away
 * (no queue that waits for it), counting falls back to each instance (see
 * counters.ts), events still reach this instance's own subscribers, and it
 * reconnects as it comes back.
 */
export async function connectRedis(config: Config, logger: Logger) {
  if (!config.REDIS_URL) return undefined;
  let connected = false;
  const client = createClient({
    url: config.REDIS_URL,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5000,
      // Returning an Error stops retrying (node-redis checks instanceof, so make one here rather than pass the socket's on).
      reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * 2 ** retries, 5000) : new Error(cause.message)),
    },
  });
  let lastError = 0;
  const warn = (error: Error) => {
    // A Redis that is down reports every reconnection; once a minute in the log is enough.
    if (Date.now() - lastError < 60_000) return;
    lastError = Date.now();
    logger.warn("redis error", { error: error.message });
  };
  client.on("error", warn);
  try {
    await client.connect();
    connected = true;
    const eventTransport = await createRedisEventTransport(client, warn);
    const counters = createResilientCounters(createRedisCounters(client), logger);
    // "degraded" while Redis is away: each instance counts alone, and events do not cross instances.
    const redisStatus = (): "ok" | "degraded" => (client.isReady && counters.status() === "ok" ? "ok" : "degraded");
    return {
      overrides: { counters, eventTransport, redisStatus } satisfies ServiceOverrides,
      async close() {
        await Promise.race([
          Promise.all([eventTransport.close(), client.close()]),
          new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref()),
        ]).catch(() => {});
        if (client.isOpen) client.destroy();
      },
    };
  } catch (error) {
    // When reconnectStrategy gave up, node-redis has already closed the client and destroy() would throw.
    if (client.isOpen) client.destroy();
    throw new Error(`REDIS_URL: could not connect to Redis (${(error as Error).message}).`, { cause: error });
  }
}
