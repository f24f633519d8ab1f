import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import ZodPlugin from "@pothos/plugin-zod";
import { GraphQLError } from "graphql";
import type { Context } from "../context.js";
import type PrismaTypes from "../generated/pothos-prisma-types.js";
import { getDatamodel } from "../generated/pothos-prisma-types.js";
import type { Actor } from "../services/access.js";

/** The one Pothos builder. Each domain noun adds its types in its own file. */
export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    /** A signed-in admin user (Authorization: Bearer <session token>). */
    user: boolean;
    /** A public client holding a bot's API key (X-API-Key). */
    apiKey: boolean;
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
    File: { Input: File; Output: never };
  };
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ZodPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authScopes: async (ctx) => ({ user: ctx.viewer.kind === "user", apiKey: ctx.viewer.kind === "apiKey" }),
    unauthorizedError: (_parent, ctx) => viewerError(ctx),
  },
  errors: {
    defaultTypes: [],
  },
  zod: {
    validationError: (error) => {
      const issues = error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message }));
      const first = issues[0];
      return new GraphQLError(first ? `${first.field || "input"}: ${first.message}` : "Invalid input.", {
        extensions: { code: "BAD_USER_INPUT", issues },
      });
    },
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    // Global object lookup across types would bypass per-tenant checks; every
    // type has its own tenant-scoped root field instead.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    defaultConnectionTypeOptions: { description: "A page of results (cursor pagination)." },
    defaultEdgeTypeOptions: { description: "One result and its cursor." },
    pageInfoTypeOptions: { description: "Where this page sits among all results." },
    edgesFieldOptions: { description: "The results on this page." },
    pageInfoFieldOptions: { description: "Cursors and whether more pages exist." },
    cursorFieldOptions: { description: "Pass as `after` (or `before`) to page from here." },
    nodeFieldOptions: { description: "The result." },
    hasNextPageFieldOptions: { description: "Whether results follow this page." },
    hasPreviousPageFieldOptions: { description: "Whether results precede this page." },
    startCursorFieldOptions: { description: "Cursor of the first result on this page." },
    endCursorFieldOptions: { description: "Cursor of the last result on this page." },
    firstArgOptions: { description: "Page size from the start or from `after` (default 20, at most 100)." },
    afterArgOptions: { description: "Cursor to page forward from." },
    lastArgOptions: { description: "Page size from the end or from `before` (at most 100)." },
    beforeArgOptions: { description: "Cursor to page backward from." },
  },
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    defaultConnectionSize: 20,
    maxConnectionSize: 100,
    onUnusedQuery: null,
  },
});

/** Why the viewer may not use a field: a refusal with the code that says what to do. */
export function viewerError(ctx: Context): GraphQLError {
  const viewer = ctx.viewer;
  if (viewer.kind === "user") return new GraphQLError("This needs another kind of access.", { extensions: { code: "FORBIDDEN" } });
  if (viewer.kind === "apiKey") {
    return new GraphQLError("An API key can only chat with its bot and read its public settings; admin operations need a logged-in user.", {
      extensions: { code: "FORBIDDEN" },
    });
  }
  if (viewer.keyProblem === "origin") {
    return new GraphQLError("This website is not allowed to use this bot: add its domain to the bot's allowed domains.", { extensions: { code: "FORBIDDEN" } });
  }
  const message =
    viewer.keyProblem === "invalid"
      ? "This API key is not valid: it is wrong, revoked, replaced by a rotation, or expired."
      : viewer.tokenProblem === "expired"
        ? "Your session has expired: log in again."
        : viewer.tokenProblem === "invalid"
          ? "This session token is not valid (wrong, or logged out): log in again."
          : "Log in first (Authorization: Bearer <token> from logIn or signUp), or send an API key (X-API-Key).";
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED" } });
}

/** The signed-in user; fields that call this also declare `authScopes: { user: true }`. */
export function actorOf(ctx: Context): Actor {
  // Subscriptions' subscribe() runs before scope-auth's checks: refuse the same way.
  if (ctx.viewer.kind !== "user") throw viewerError(ctx);
  return ctx.viewer.actor;
}

builder.queryType({ description: "Read operations." });
builder.mutationType({ description: "Write operations. Each needs a signed-in user unless it says otherwise." });

builder.scalarType("DateTime", {
  description: "An instant in time, as an ISO-8601 string in UTC.",
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === "string" ? new Date(value) : new Date(NaN);
    if (Number.isNaN(date.getTime())) throw new TypeError("DateTime must be an ISO-8601 string");
    return date;
  },
});
