import { createServer, type Server } from "node:http";
import { startControlSocket, type ControlSocket } from "./control.js";
import type { Config } from "./config.js";
import { databaseOptions, openDatabase, type Database } from "./db/index.js";
import { assertEmbeddingDimension } from "./db/vector.js";
import { loadConsoleAssets } from "./http/console.js";
import { closeInOrder, closeServer, listen } from "./http/server.js";
import { serveWebSockets } from "./http/websocket.js";
import { loadWidgetAssets } from "./http/widget.js";
import { createYogaServer, type ParleyYoga } from "./http/yoga.js";
import { createLogger, type Logger } from "./logger.js";
import { EmbeddingError, type Embedder } from "./providers/embeddings.js";
import { connectRedis } from "./redis.js";
import { createServices, type AppServices, type ServiceOverrides } from "./services/index.js";
import { startServices, stopServices } from "./services/lifecycle.js";

export interface App {
  readonly services: AppServices;
  /** Yoga itself, for in-process requests (`app.yoga.fetch(...)`) in tests and scripts. */
  readonly yoga: ParleyYoga;
  /** Listens on `port` (0 picks a free one; default: config.PORT). */
  start(port?: number): Promise<{ port: number; url: string }>;
  /** Stops accepting, ends open streams, waits for requests in flight, then closes the database. */
  stop(): Promise<void>;
}

export interface BuildAppOptions extends ServiceOverrides {
  logger?: Logger;
  /** An already opened database (tests share one); by default it is opened from config. */
  db?: Database;
}

/**
 * Parley on one port: the services, Yoga (HTTP) and graphql-ws (websocket)
 * over them. What it opens is closed by `stop()`, in the reverse order, or
 * at once when a later step of building fails.
 */
export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const [widget, adminConsole] = await Promise.all([loadWidgetAssets(), loadConsoleAssets()]);
  const opened: (() => Promise<void> | void)[] = [];
  try {
    const db = options.db ?? (await openDatabase(databaseOptions(config, logger)));
    if (!options.db) opened.unshift(() => db.close());
    await assertEmbeddingDimension((sql, ...params) => db.prisma.$queryRawUnsafe(sql, ...params), config.EMBEDDING_DIMENSION);
    const redis = await connectRedis(config, logger);
    if (redis) opened.unshift(() => redis.close());
    const shutdown = new AbortController();
    const services = createServices({ config, db, logger, shutdownSignal: shutdown.signal }, { ...redis?.overrides, ...options });
    await checkEmbedder(services.embedder, logger);
    const yoga = createYogaServer(config, services, { widget, console: adminConsole });
    // Yoga is a request listener that settles its own promise (errors become responses).
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    const server: Server = createServer(yoga);
    const sockets = serveWebSockets(server, yoga, services, config);
    let control: ControlSocket | undefined;
    const stopping = lazily(async () => {
      logger.info("shutting down");
      shutdown.abort();
      const answered = closeServer(server, config.SHUTDOWN_TIMEOUT_MS);
      await closeInOrder([
        () => sockets.closeClients(),
        () => answered,
        sockets.close,
        () => stopServices(services),
        () => control?.close(),
        () => yoga.dispose(),
        ...opened,
      ]);
      logger.info("stopped");
    });
    return {
      services,
      yoga,
      async start(port = config.PORT) {
        await startServices(services);
        // Backups of an embedded database this app opened (see control.ts).
        if (!options.db) control = await startControlSocket(config.dataDir, db, logger);
        return served(config, await listen(server, port, config.HOST));
      },
      stop: stopping,
    };
  } catch (error) {
    await closeInOrder(opened);
    throw error;
  }
}

/** The address a listening app got, which its own pages and embed codes then use (PORT=0 picks one). */
function served(config: Config, address: { port: number; address: string; family: string }): { port: number; url: string } {
  config.PORT = address.port;
  if (!config.PUBLIC_URL) config.publicUrl = `http://localhost:${address.port}`;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { port: address.port, url: `http://${host}:${address.port}` };
}

/** A function that runs `work` the first time and returns that same promise after. */
function lazily(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= work());
}

/**
 * A model server's embedding width is only known by asking it. A mismatch
 * with the database stops start-up; an unreachable server does not (it may
 * come up later: ingestion retries, /health says so).
 */
async function checkEmbedder(embedder: Embedder, logger: Logger): Promise<void> {
  if (embedder.provider === "embedded") return;
  try {
    await embedder.embed(["dimension check"], AbortSignal.timeout(10_000));
  } catch (error) {
    if (error instanceof EmbeddingError && !error.retryable) throw error;
    logger.warn("embedding provider not reachable at start-up", { error: (error as Error).message });
  }
}
