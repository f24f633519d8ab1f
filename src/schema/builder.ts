import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from "@pothos/plugin-scope-auth";
import ZodPlugin from "@pothos/plugin-zod";
import FieldLimitsPlugin from "./field-limits.js";
import { DateTimeResolver } from "graphql-scalars";
import { GraphQLError } from "graphql";
import type { Context } from "../context.js";
import type PrismaTypes from "../generated/pothos-prisma-types.js";
import { getDatamodel } from "../generated/pothos-prisma-types.js";
import type { Actor } from "../services/access/access.js";

/** The one Pothos builder. Each domain noun adds its types in its own file. */
export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    /** A signed-in admin user (Authorization: Bearer <session token>). */
    user: boolean;
    /** A public client holding a bot's API key (X-API-Key). */
    apiKey: boolean;
    /** May read this workspace's data: the viewer is a member of it. */
    workspace: string;
    /** May read this bot's rows (sources, prompts, keys, conversations): a member of its workspace. */
    bot: string;
    /** May read this conversation's messages: a member of its bot's workspace, or a holder of its bot's key. */
    conversation: string;
    /** May see this person (id, email, name): themself, or someone sharing a workspace with the viewer. */
    person: string;
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
    File: { Input: File; Output: never };
  };
}>({
  // In this order around each resolver: who may call, valid input, then the member's per-field limit (a refused or invalid call costs none).
  plugins: [ScopeAuthPlugin, ZodPlugin, FieldLimitsPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authScopes: (ctx) => readerScopes(ctx),
    unauthorizedError: (_parent, ctx, _info, result) => (readerRefused(result.failure) ? notYours() : viewerError(ctx)),
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

/**
 * Who may read what, checked on every object wherever in the graph it is
 * reached (each tenant-owned type declares its scope), not only at the root
 * field that found it: a path through a shared person must not lead into
 * their other workspaces. The viewer is read at each check, so a request
 * that logs in (signUp, logIn) reads its own answer as the new user.
 */
function readerScopes(ctx: Context) {
  const memberOf = (workspaceId: string | null) => workspaceId !== null && ctx.viewer.kind === "user" && ctx.viewer.actor.roles.has(workspaceId);
  const readsBot = async (botId: string | null) => botId !== null && memberOf(await ctx.loaders.botWorkspace.load(botId));
  return {
    user: ctx.viewer.kind === "user",
    apiKey: ctx.viewer.kind === "apiKey",
    workspace: (workspaceId: string) => memberOf(workspaceId),
    bot: readsBot,
    conversation: async (sessionId: string) => {
      const botId = await ctx.loaders.sessionBot.load(sessionId);
      return ctx.viewer.kind === "apiKey" ? ctx.viewer.bot.id === botId : readsBot(botId);
    },
    person: async (userId: string) => {
      if (ctx.viewer.kind !== "user") return false;
      if (ctx.viewer.actor.userId === userId) return true;
      return (await ctx.loaders.userWorkspaces.load(userId)).some(memberOf);
    },
  };
}

const READER_SCOPES = new Set(["workspace", "bot", "conversation", "person"]);

/** Whether a refusal came from a reader scope (an object of another workspace), not from the kind of viewer. */
function readerRefused(failure: AuthFailure): boolean {
  if (failure.kind === AuthScopeFailureType.AuthScope) return READER_SCOPES.has(failure.scope);
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) return failure.failures.some(readerRefused);
  return false;
}

/** An object reached through the graph that belongs to a workspace the viewer is not in. */
function notYours(): GraphQLError {
  return new GraphQLError("You may not read this: it belongs to a workspace you are not a member of.", { extensions: { code: "FORBIDDEN" } });
}

/** The viewer of the rest of this request, once it has logged in (signUp, logIn). */
export function signIn(ctx: Context, actor: Actor): void {
  ctx.viewer = { kind: "user", actor };
}

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

// graphql-scalars' RFC 3339 date-time, as Pothos' own examples use: it refuses "tomorrow" and "12/06/2026", which new Date() would guess at.
builder.addScalarType("DateTime", DateTimeResolver);
