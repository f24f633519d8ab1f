import type { Server } from "node:http";
import type { DocumentNode, ExecutionArgs, ExecutionResult } from "graphql";
import { GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { Config } from "../config.js";
import { bearerToken, clientAddress, headersOf, type WebSocketInitialContext } from "../context.js";
import { apiKeyOf, apiKeyViewer } from "./public-caller.js";
import type { AppServices } from "../services/index.js";
import type { ParleyYoga } from "./yoga.js";

type OperationResult = ExecutionResult | AsyncIterable<ExecutionResult>;

/** Yoga's enveloped executors, carried to graphql-ws through rootValue. */
interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => OperationResult | Promise<OperationResult>;
  subscribe: (args: ExecutionArgs) => OperationResult | Promise<OperationResult>;
}

export interface WebSocketEdge {
  /** Tells every client the server is going away (1001) and ends their operations. */
  closeClients(): Promise<void>;
  /** Stops the websocket server, once its clients are gone. */
  close(): Promise<void>;
}

/**
 * graphql-ws on the GraphQL endpoint of `server`. Each operation runs
 * through Yoga's own envelop, so websocket operations get the same context
 * factory, plugins and error masking as HTTP.
 */
export function serveWebSockets(server: Server, yoga: ParleyYoga, services: AppServices, config: Config): WebSocketEdge {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const wsServer = useServer(
    {
      // graphql-ws sends a failure's own message as the close reason unless NODE_ENV is "production",
      // which `npm start` and the tests do not set: internals never leave, whatever the environment.
      isProd: true,
      onConnect: (ctx) => admitsConnection(ctx.connectionParams, ctx.extra as WebSocketInitialContext["extra"], services, config),
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
        return errors.length ? errors.map(withoutHttp) : args;
      },
    },
    wss,
  );
  return {
    async closeClients() {
      for (const socket of wss.clients as Set<WebSocket>) socket.close(1001, "Server shutting down");
      await wsServer.dispose();
    },
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

/**
 * A public client's key and page are checked when the socket opens: a
 * refused key or origin closes it with 4403 Forbidden. A session token is
 * checked per operation, like over HTTP.
 */
async function admitsConnection(
  connectionParams: Readonly<Record<string, unknown>> | undefined,
  extra: WebSocketInitialContext["extra"],
  services: AppServices,
  config: Config,
): Promise<boolean> {
  const { request } = extra;
  const params = connectionParams ?? {};
  const headers = headersOf(request);
  if (bearerToken(headers, params)) return true;
  const key = apiKeyOf(headers, params, request.url);
  if (!key) return true;
  const ip = clientAddress(config, headers, request.socket);
  const viewer = await apiKeyViewer(services, key, { headers, ip });
  // The socket's first operations reuse it (see recentViewer in public-caller.ts).
  extra.connectionViewer = { viewer, at: Date.now() };
  return viewer.kind === "apiKey";
}

function withoutHttp(error: GraphQLError): GraphQLError {
  if (!error.extensions.http) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
}
