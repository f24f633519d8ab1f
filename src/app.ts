import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DocumentNode, ExecutionArgs, ExecutionResult } from "graphql";
import { GraphQLError, NoSchemaIntrospectionCustomRule, validate } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { createYoga, type GraphiQLOptions, type Plugin } from "graphql-yoga";
import { WebSocketServer, type WebSocket } from "ws";
import { connectRedis } from "./redis.js";
import { startControlSocket, type ControlSocket } from "./control.js";
import type { Config } from "./config.js";
import { apiKeyOf, apiKeyViewer, bearerToken, clientAddress, createContextFactory, headersOf, type Context } from "./context.js";
import { databaseOptions, openDatabase, type Database } from "./db/index.js";
import type { DatabasePriority } from "./db/priority.js";
import { assertEmbeddingDimension } from "./db/vector.js";
import { createLogger, type Logger } from "./logger.js";
import { isExpectedError, maskError } from "./schema/errors.js";
import { schema } from "./schema/index.js";
import { useDocumentLimits, usePublicCharges, useQueryLimits, useRetryAfter } from "./schema/limits.js";
import { EmbeddingError, type Embedder } from "./providers/embeddings.js";
import { createServices, type AppServices, type ServiceOverrides } from "./services/index.js";
import { loadWidgetAssets, useWidget } from "./widget.js";
import { loadConsoleAssets, useConsole } from "./console.js";
import { corsOptions, useCsrfPrevention } from "./csrf.js";
import { useOperationMetrics, useProbes } from "./probes.js";
import { useTextInput } from "./http/text-input.js";
import { useBodyTooLarge } from "./http/body-limit.js";

export interface App {
  readonly services: AppServices;
  /** Yoga itself, for in-process requests (`app.yoga.fetch(...)`) in tests and scripts. */
  readonly yoga: ReturnType<typeof createYoga<Record<string, unknown>, Context>>;
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
 * Queries and mutations (a visitor's sendMessage, an admin's page) are
 * interactive work: ingestion's write batches wait while they run (see
 * db/priority.ts). A subscription's long life is not; chat marks its own
 * database work.
 */
function useInteractivePriority(priority: DatabasePriority): Plugin {
  return {
    onExecute() {
      const end = priority.begin();
      return { onExecuteDone: end };
    },
  };
}

/**
 * INTROSPECTION=false: introspection is refused, and no error suggests a
 * name ("Did you mean "bots"?"), which would give the schema away one guess
 * at a time. graphql-js validates without them when asked; variables are
 * checked by Yoga's executor, which (2.1) does not pass the option on to
 * graphql-js's coercion, so their messages lose the suggestion afterwards.
 */
function useSchemaPrivacy(): Plugin {
  const strip = ({ result, setResult }: { result: unknown; setResult: (result: ExecutionResult) => void }) => {
    const errors = (result as ExecutionResult).errors;
    if (!errors?.some((error) => error.message.includes("Did you mean"))) return;
    setResult({
      ...(result as ExecutionResult),
      errors: errors.map(
        (error) => new GraphQLError(error.message.replace(SUGGESTION, ""), { nodes: error.nodes, path: error.path, extensions: error.extensions }),
      ),
    });
  };
  return {
    onValidate({ addValidationRule, setValidationFn }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
      setValidationFn((schema, document, rules) => validate(schema, document, rules, { hideSuggestions: true }));
    },
    onExecute: () => ({ onExecuteDone: strip }),
    onSubscribe: () => ({ onSubscribeResult: strip }),
  };
}

const SUGGESTION = / ?Did you mean [^?]*\?/g;

export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const [widget, adminConsole] = await Promise.all([loadWidgetAssets(), loadConsoleAssets()]);
  const db = options.db ?? (await openDatabase(databaseOptions(config, logger)));
  try {
    await assertEmbeddingDimension((sql, ...params) => db.prisma.$queryRawUnsafe(sql, ...params), config.EMBEDDING_DIMENSION);
  } catch (error) {
    if (!options.db) await db.close();
    throw error;
  }
  const shutdown = new AbortController();
  let redis: Awaited<ReturnType<typeof connectRedis>>;
  try {
    redis = await connectRedis(config, logger);
  } catch (error) {
    if (!options.db) await db.close();
    throw error;
  }
  const services = createServices({ config, db, logger, shutdownSignal: shutdown.signal }, { ...redis?.overrides, ...options });
  try {
    await checkEmbedder(services.embedder, logger);
  } catch (error) {
    if (!options.db) await db.close();
    throw error;
  }

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    context: createContextFactory(services),
    graphqlEndpoint: "/graphql",
    // A trivial liveness probe; /readyz and /health are in probes.ts.
    healthCheckEndpoint: "/livez",
    landingPage: false,
    cors: corsOptions,
    // Uploads over the limit are refused from Content-Length, or while streaming, never buffered whole.
    maxRequestBodySize: config.MAX_UPLOAD_BYTES + 64 * 1024,
    // Subscriptions over SSE: they carry the headers tab (X-API-Key, Authorization), which a browser's websocket cannot.
    graphiql: config.GRAPHIQL ? { title: "Parley GraphQL", subscriptionsProtocol: "SSE", defaultQuery: GRAPHIQL_DEFAULT_QUERY } : false,
    renderGraphiQL: offlineGraphiQL(),
    maskedErrors: { maskError },
    logging: {
      debug: (...args) => logger.debug(String(args[0]), { args: args.slice(1) }),
      info: (...args) => logger.info(String(args[0]), { args: args.slice(1) }),
      warn: (...args) => logger.warn(String(args[0]), { args: args.slice(1) }),
      error: (...args) => (isExpectedError(args[0]) ? logger.debug : logger.error)(String(args[0]), { args: args.slice(1).map(String) }),
    },
    plugins: [
      useCsrfPrevention(),
      useBodyTooLarge(),
      useProbes(services, { metrics: config.METRICS }),
      useOperationMetrics(services.metrics),
      useInteractivePriority(services.dbPriority),
      useWidget(services, widget),
      useConsole(adminConsole),
      useTextInput(),
      ...useDocumentLimits({ maxAliases: config.MAX_QUERY_ALIASES, maxDirectives: config.MAX_QUERY_DIRECTIVES, maxTokens: config.MAX_QUERY_TOKENS }),
      useQueryLimits({ maxDepth: config.MAX_QUERY_DEPTH, maxCost: config.MAX_QUERY_COST }),
      usePublicCharges(),
      useRetryAfter(),
      ...(config.INTROSPECTION ? [] : [useSchemaPrivacy()]),
    ],
  });

  // Yoga is a request listener that settles its own promise (errors become responses).
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  const server: Server = createServer(yoga);
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  // graphql-ws runs each operation through Yoga's own envelop, so websocket
  // operations get the same context factory, plugins and error masking as HTTP.
  const wsServer = useServer(
    {
      // A public client's key and page are checked when the socket opens:
      // a refused key or origin closes it with 4403 Forbidden.
      onConnect: async (ctx) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const headers = headersOf(ctx.extra.request);
        if (bearerToken(headers, params)) return true;
        const key = apiKeyOf(headers, params, ctx.extra.request.url);
        if (!key) return true;
        const ip = clientAddress(config, headers, ctx.extra.request.socket);
        return (await apiKeyViewer(services, key, { headers, ip })).kind === "apiKey";
      },
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        // A document refused while parsing (syntax, too many tokens) fails this operation, not the socket.
        let document: DocumentNode;
        try {
          document = parse(params.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [withoutHttp(error)];
          throw error;
        }
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        const errors = validate(args.schema, args.document);
        // Yoga marks validation errors with the HTTP status they would get; a socket has none.
        if (errors.length) return errors.map(withoutHttp);
        return args;
      },
    },
    wss,
  );

  let stopping: Promise<void> | undefined;
  let control: ControlSocket | undefined;

  return {
    services,
    yoga,
    async start(port = config.PORT) {
      const stale = await services.sources.reembedStale(services.embedder.model);
      if (stale) logger.info("sources queued to be embedded again: the embedding model changed", { sources: stale, model: services.embedder.model });
      // A model server down at start must not stop it: the corrections wait for the next start (and do not match meanwhile).
      const corrections = await services.corrections.reembedStale().catch((error: unknown) => {
        logger.warn("could not embed corrections again", { error: (error as Error).message });
        return 0;
      });
      if (corrections) logger.info("corrections embedded again: the embedding model changed", { corrections, model: services.embedder.model });
      // Check runs a stop interrupted end as failed: on PGlite all (one process), on PostgreSQL the ones quiet for 10 minutes.
      await services.checks.recoverInterrupted(services.db.kind === "pglite" ? 0 : 10 * 60_000);
      await services.jobs.start();
      // Backups of an embedded database this app opened (see control.ts).
      if (!options.db) control = await startControlSocket(config.dataDir, db, logger);
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, config.HOST, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          // The port it got (PORT=0 picks one): its own pages' origin, and without PUBLIC_URL the address in embed codes.
          config.PORT = address.port;
          if (!config.PUBLIC_URL) config.publicUrl = `http://localhost:${address.port}`;
          const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve({ port: address.port, url: `http://${host}:${address.port}` });
        });
      });
    },
    stop() {
      stopping ??= (async () => {
        logger.info("shutting down");
        shutdown.abort();
        const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
        server.closeIdleConnections();
        for (const socket of wss.clients as Set<WebSocket>) socket.close(1001, "Server shutting down");
        await wsServer.dispose();
        services.liveAccess.stop();
        // Requests in flight get SHUTDOWN_TIMEOUT_MS to finish before their connections are cut.
        const timer = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
        await closed;
        clearTimeout(timer);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        // Running ingestion jobs are interrupted and go back to the queue.
        await services.jobs.stop();
        await services.checks.settled();
        await control?.close();
        await services.extraction.close();
        await services.usage.stop();
        await yoga.dispose();
        await redis?.close();
        if (!options.db) await db.close();
        logger.info("stopped");
      })();
      return stopping;
    },
  };
}

const GRAPHIQL_DEFAULT_QUERY = `# Parley's GraphQL API. The Docs panel (top left) lists every field.
#
# Public calls (publicBot, sendMessage, the chat subscription) take a bot's
# API key; admin calls take a session token from logIn or signUp. Open
# "Headers" below and put one of:
#   { "X-API-Key": "pk_..." }
#   { "Authorization": "Bearer <token>" }
# Subscriptions stream here over server-sent events, with those headers.

query Health {
  health {
    status
    database { kind ok }
  }
}
`;

/**
 * GraphiQL from the server's own bundle (@graphql-yoga/render-graphiql):
 * Yoga's default page loads it from a CDN, and Parley runs where there is
 * no internet. The page (~9 MB, everything inlined) is built once.
 */
function offlineGraphiQL(): (options: GraphiQLOptions) => string {
  let built: { key: string; page: string } | undefined;
  return (options) => {
    const key = JSON.stringify(options);
    if (built?.key !== key) built = { key, page: renderGraphiQL(options) };
    return built.page;
  };
}

function withoutHttp(error: GraphQLError): GraphQLError {
  if (!error.extensions.http) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
}

type OperationResult = ExecutionResult | AsyncIterable<ExecutionResult>;

/** Yoga's enveloped executors, carried to graphql-ws through rootValue. */
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

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => OperationResult | Promise<OperationResult>;
  subscribe: (args: ExecutionArgs) => OperationResult | Promise<OperationResult>;
}
