import { GraphQLError, NoSchemaIntrospectionCustomRule, validate } from "graphql";
import { createYoga, type GraphiQLOptions, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { Config } from "../config.js";
import { createContextFactory, type Context } from "../context.js";
import type { DatabasePriority } from "../db/priority.js";
import type { Logger } from "../logger.js";
import { schema } from "../schema/index.js";
import type { AppServices } from "../services/index.js";
import { useBodyTooLarge } from "./body-limit.js";
import { useConsole, type ConsoleAssets } from "./console.js";
import { corsOptions, useCsrfPrevention } from "./csrf.js";
import { isExpectedError, maskError, rewritingResultErrors, useVariableErrorCodes } from "./errors.js";
import { useDocumentLimits, useQueryLimits } from "./limits.js";
import { useOperationMetrics, useProbes } from "./probes.js";
import { usePublicCaller } from "./public-caller.js";
import { useTextInput } from "./text-input.js";
import { useWidget, type WidgetAssets } from "./widget.js";

export type ParleyYoga = YogaServerInstance<Record<string, unknown>, Context>;

/** The pages Parley serves beside the API, loaded once at start. */
export interface PageAssets {
  widget: WidgetAssets;
  console: ConsoleAssets;
}

/**
 * The HTTP edge: Yoga with Parley's plugins, in the order a request meets
 * them: CSRF and body size, probes and metrics, the widget's and the
 * console's pages, then a GraphQL document's limits, the public caller
 * (its key, its charge and its Retry-After), and schema privacy.
 */
export function createYogaServer(config: Config, services: AppServices, assets: PageAssets): ParleyYoga {
  return createYoga<Record<string, unknown>, Context>({
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
    logging: yogaLogging(services.logger),
    plugins: [
      useCsrfPrevention(),
      useBodyTooLarge(),
      useProbes(services, { metrics: config.METRICS }),
      useOperationMetrics(services.metrics),
      useInteractivePriority(services.dbPriority),
      useWidget(services, assets.widget),
      useConsole(assets.console),
      useTextInput(),
      useVariableErrorCodes(),
      ...useDocumentLimits({ maxAliases: config.MAX_QUERY_ALIASES, maxDirectives: config.MAX_QUERY_DIRECTIVES, maxTokens: config.MAX_QUERY_TOKENS }),
      useQueryLimits({ maxDepth: config.MAX_QUERY_DEPTH, maxCost: config.MAX_QUERY_COST }),
      usePublicCaller(services),
      ...(config.INTROSPECTION ? [] : [useSchemaPrivacy()]),
    ],
  });
}

/** Yoga's log lines in Parley's logger; an error a client caused (bad input, a refused key) is not the server's. */
function yogaLogging(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug(String(args[0]), { args: args.slice(1) }),
    info: (...args: unknown[]) => logger.info(String(args[0]), { args: args.slice(1) }),
    warn: (...args: unknown[]) => logger.warn(String(args[0]), { args: args.slice(1) }),
    error: (...args: unknown[]) => (isExpectedError(args[0]) ? logger.debug : logger.error)(String(args[0]), { args: args.slice(1).map(String) }),
  };
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

const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * INTROSPECTION=false: introspection is refused, and no error suggests a
 * name ("Did you mean "bots"?"), which would give the schema away one guess
 * at a time. graphql-js validates without them when asked; variables are
 * checked by Yoga's executor, which (2.1) does not pass the option on to
 * graphql-js's coercion, so their messages lose the suggestion afterwards.
 */
function useSchemaPrivacy(): Plugin {
  return {
    onValidate({ addValidationRule, setValidationFn }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
      setValidationFn((schema, document, rules) => validate(schema, document, rules, { hideSuggestions: true }));
    },
    ...rewritingResultErrors((error) =>
      error.message.includes("Did you mean")
        ? new GraphQLError(error.message.replace(SUGGESTION, ""), { nodes: error.nodes, path: error.path, extensions: error.extensions })
        : error,
    ),
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
 * no internet. The page (~9 MB, everything inlined) is built once, and its
 * module loaded on the first visit: compiling it cost every start ~0.15 s
 * of CPU, for a page most servers never show.
 */
function offlineGraphiQL(): (options: GraphiQLOptions) => Promise<string> {
  let built: { key: string; page: Promise<string> } | undefined;
  return (options) => {
    const key = JSON.stringify(options);
    if (built?.key !== key) built = { key, page: import("@graphql-yoga/render-graphiql").then(({ renderGraphiQL }) => renderGraphiQL(options)) };
    return built.page;
  };
}
