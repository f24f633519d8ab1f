/**
 * The public caller (a bot's API key) at the edge, in one place: who it is
 * (authenticated once per request, or reused from its websocket's opening),
 * what it is charged before its operation runs, and when a refused one may
 * come back (Retry-After). The schema only reads `ctx.viewer`; the rules
 * themselves are the services' (services/tenancy/public-access.ts).
 */
import type { IncomingMessage } from "node:http";
import {
  GraphQLError,
  Kind,
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context, Viewer, WebSocketInitialContext } from "../context.js";
import type { AppServices } from "../services/index.js";
import { maskError } from "./errors.js";

/** The public API key: `X-API-Key` over HTTP, `connectionParams.apiKey` over websockets, or `?api_key=` (the widget page). */
export function apiKeyOf(headers: Headers, connectionParams: Readonly<Record<string, unknown>>, url: string | undefined): string | undefined {
  const fromParams = connectionParams.apiKey;
  if (typeof fromParams === "string" && fromParams) return fromParams;
  const header = headers.get("x-api-key");
  if (header) return header.trim();
  if (!url) return undefined;
  try {
    return new URL(url, "http://localhost").searchParams.get("api_key") ?? undefined;
  } catch {
    return undefined;
  }
}

/** The viewer an API key makes, or why it makes none. */
export async function apiKeyViewer(
  services: Pick<AppServices, "publicAccess">,
  secret: string,
  request: { headers: Headers; ip: string | undefined },
): Promise<Viewer> {
  const caller = await services.publicAccess.authenticate(secret, request);
  return "problem" in caller ? { kind: "anonymous", keyProblem: caller.problem } : { kind: "apiKey", ...caller };
}

/**
 * The caller the socket's opening authenticated, for its operations within
 * the window in which open streams' rights are checked again anyway
 * (LIVE_ACCESS_CHECK_MS): the widget opens its socket for the first question,
 * which then costs one key lookup, not two. Later operations look the key up
 * again, so a revoked key or a changed bot counts from the next one.
 */
function recentViewer(extra: WebSocketInitialContext["extra"] | undefined, windowMs: number): Viewer | undefined {
  const cached = extra?.connectionViewer;
  return cached && Date.now() - cached.at < windowMs ? cached.viewer : undefined;
}

/** What the context was built from: an HTTP request, or a websocket's upgrade request. */
type Initial = Context & { request?: { url: string }; extra?: WebSocketInitialContext["extra"] & { request: IncomingMessage } };

const QUESTIONS = new Set(["chat", "sendMessage"]);

/**
 * The root fields an operation runs, fragments spread out, as graphql-js
 * collects them: one per response key (`a: chat` and `b: chat` are two; the
 * same field spread twice is one), each fragment visited once however often
 * it is spread. `__typename` is free.
 */
export function rootFields(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const fields = new Map<string, string>();
  const spread = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== "__typename") fields.set(selection.alias?.value ?? selection.name.value, selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return [...fields.values()];
}

async function charge(args: ExecutionArgs, refuse: (result: ExecutionResult) => void): Promise<void> {
  const ctx = args.contextValue as Context;
  if (ctx.viewer.kind !== "apiKey") return;
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return;
  const fields = rootFields(args.document, operation);
  const questions = fields.filter((name) => QUESTIONS.has(name)).length;
  if (questions > 1) {
    const message = `A request with an API key may ask one question (chat or sendMessage); this one asks ${questions}.`;
    return refuse({ errors: [new GraphQLError(message, { nodes: [operation], extensions: { code: "QUERY_TOO_COMPLEX", questions, maxQuestions: 1 } })] });
  }
  try {
    await ctx.publicAccess.charge(ctx.viewer, Math.max(1, fields.length), fields[0] ?? "unknown");
  } catch (error) {
    refuse({ errors: [maskError(error, "Unexpected error.") as GraphQLError] });
  }
}

/**
 * The public caller's plugin: authenticates an API key when the request
 * carries one and no session token (a member's token wins), charges every
 * operation it runs before it runs, over HTTP, SSE and websockets alike, and
 * answers a rate-limited HTTP request 429 with `Retry-After`.
 */
export function usePublicCaller(services: AppServices): Plugin<Context> {
  return {
    async onContextBuilding({ context, extendContext }) {
      const initial = context as Initial;
      if (initial.viewer.kind !== "anonymous" || initial.viewer.tokenProblem) return;
      const key = apiKeyOf(initial.headers, initial.connectionParams, initial.extra?.request.url ?? initial.request?.url);
      if (!key) return;
      const viewer =
        (initial.transport === "websocket" && recentViewer(initial.extra, services.config.LIVE_ACCESS_CHECK_MS)) ||
        (await apiKeyViewer(services, key, { headers: initial.headers, ip: initial.ip }));
      extendContext({ viewer });
    },
    onExecute: ({ args, setResultAndStopExecution }) => charge(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => charge(args, setResultAndStopExecution),
    onExecutionResult({ result, setResult }) {
      if (!result || Symbol.asyncIterator in result || !result.errors?.length) return;
      const wait = result.errors.map((e) => e.extensions?.retryAfterSeconds).find((s): s is number => typeof s === "number");
      if (wait === undefined) return;
      setResult({
        ...result,
        errors: result.errors.map((error) =>
          error.extensions?.code !== "RATE_LIMITED"
            ? error
            : new GraphQLError(error.message, {
                nodes: error.nodes,
                path: error.path,
                extensions: { ...error.extensions, http: { status: 429, headers: { "Retry-After": String(wait) } } },
              }),
        ),
      });
    },
  };
}
