import { createClient } from "redis";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createRedisEventTransport } from "./services/events.js";
import type { ServiceOverrides } from "./services/index.js";
import { createRedisStore } from "./services/rate-limits.js";

/**
 * Redis, when REDIS_URL is set, is what makes several instances one:
 * rate-limit counters and source events are shared through it. Fails fast
 * if Redis is not there at start; once connected, reconnects as it comes
 * and goes.
 */
export async function connectRedis(config: Config, logger: Logger) {
  if (!config.REDIS_URL) return undefined;
  let connected = false;
  const client = createClient({
    url: config.REDIS_URL,
    socket: {
      connectTimeout: 5000,
      // Returning an Error stops retrying (node-redis checks instanceof, so make one here rather than pass the socket's on).
      reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * 2 ** retries, 5000) : new Error(cause.message)),
    },
  });
  const warn = (error: Error) => logger.warn("redis error", { error: error.message });
  client.on("error", warn);
  try {
    await client.connect();
    connected = true;
    const eventTransport = await createRedisEventTransport(client, warn);
    return {
      overrides: { rateLimitStore: createRedisStore(client), eventTransport } satisfies ServiceOverrides,
      async close() {
        await eventTransport.close();
        await client.quit().catch(() => {});
      },
    };
  } catch (error) {
    // When reconnectStrategy gave up, node-redis has already closed the client and destroy() would throw.
    if (client.isOpen) client.destroy();
    throw new Error(`REDIS_URL: could not connect to Redis (${(error as Error).message}).`, { cause: error });
  }
}
