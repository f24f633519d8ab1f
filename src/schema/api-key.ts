import type { ApiKey as ApiKeyRow } from "@prisma/client";
import { name } from "../services/validation.js";
import type { Context } from "../context.js";
import type { IssuedKey } from "../services/tenancy/api-keys.js";
import { actorOf, builder } from "./builder.js";
import { EmbedCode } from "./bot.js";

const ApiKeyStatus = builder.enumType("ApiKeyStatus", {
  description: "Whether a key works now.",
  values: {
    ACTIVE: { description: "Works." },
    REVOKED: { description: "Disabled by an admin, for good." },
    EXPIRED: { description: "Past its expiry time." },
  } as const,
});

function statusOf(key: ApiKeyRow): "ACTIVE" | "REVOKED" | "EXPIRED" {
  if (key.revokedAt || !key.isActive) return "REVOKED";
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return "EXPIRED";
  return "ACTIVE";
}

export const ApiKey = builder.prismaObject("ApiKey", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (key) => ({ bot: key.botId }),
  description: "A key for the widget and public clients of one bot. Only its SHA-256 is stored.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The key's id (not the secret)." }),
    name: t.exposeString("name", { description: "A label, e.g. the website it is for." }),
    prefix: t.exposeString("prefix", { description: "The secret's first characters, to recognise it." }),
    isActive: t.boolean({ description: "Whether it works now (not revoked, not expired).", resolve: (k) => statusOf(k) === "ACTIVE" }),
    status: t.field({ type: ApiKeyStatus, description: "Active, revoked or expired.", resolve: statusOf }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true, description: "When it was last used (to within a few minutes)." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true, description: "When it stops working; null for never." }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true, description: "When it was revoked." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was made." }),
  }),
});

const IssuedApiKey = builder.objectRef<IssuedKey & { botName: string }>("IssuedApiKey").implement({
  description: "A key with its secret. The secret is shown only in this answer: store it now.",
  fields: (t) => ({
    apiKey: t.prismaField({
      type: ApiKey,
      description: "The key.",
      resolve: (query, issued, _args, ctx) => ctx.prisma.apiKey.findUniqueOrThrow({ ...query, where: { id: issued.apiKey.id } }),
    }),
    secret: t.exposeString("secret", { description: "The full key, `pk_…`. Parley cannot show it again." }),
    embedCode: t.field({
      type: EmbedCode,
      description: "Snippets for a web page with this key filled in.",
      resolve: (issued, _args, ctx) => ctx.bots.embedCode({ id: issued.apiKey.botId, name: issued.botName }, issued.secret),
    }),
  }),
});

async function withBotName(ctx: Context, issued: IssuedKey) {
  const bot = await ctx.prisma.bot.findUniqueOrThrow({ where: { id: issued.apiKey.botId }, select: { name: true } });
  return { ...issued, botName: bot.name };
}

const WidgetPreview = builder.objectRef<IssuedKey>("WidgetPreview").implement({
  description: "The widget as visitors see it, with a key of its own for the console's live preview.",
  fields: (t) => ({
    path: t.string({
      description: "The widget page's path on this server, with the preview's key: keep it while it lasts (reloads reuse it).",
      resolve: (issued) => `/widget/${issued.apiKey.botId}?api_key=${encodeURIComponent(issued.secret)}`,
    }),
    expiresAt: t.field({ type: "DateTime", description: "When the preview's key stops working (an hour).", resolve: (issued) => issued.apiKey.expiresAt! }),
  }),
});

builder.mutationFields((t) => ({
  previewWidget: t.field({
    type: WidgetPreview,
    description:
      'A live preview of a bot\'s widget (owner or admin): a key of its own for an hour, one per bot and person (a new one ends your last), not listed in Bot.apiKeys. Its chats count in usage as "Console preview".',
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }) },
    resolve: (_root, args, ctx) => ctx.apiKeys.preview(actorOf(ctx), args.botId),
  }),
  createApiKey: t.field({
    type: IssuedApiKey,
    description: "Issues a key for a bot (owner or admin). The secret is in this answer only.",
    authScopes: { user: true },
    args: {
      botId: t.arg.id({ description: "Bot id." }),
      name: t.arg.string({ description: "A label, e.g. the website it is for.", validate: { schema: name } }),
      expiresAt: t.arg({ type: "DateTime", required: false, description: "When it stops working; omit for never." }),
    },
    resolve: async (_root, args, ctx) => withBotName(ctx, await ctx.apiKeys.create(actorOf(ctx), args.botId, args)),
  }),
  rotateApiKey: t.field({
    type: IssuedApiKey,
    description: "Replaces a key's secret; the old secret stops working at once.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "API key id." }) },
    resolve: async (_root, args, ctx) => {
      const issued = await ctx.apiKeys.rotate(actorOf(ctx), args.id);
      void ctx.liveAccess.recheck(); // streams opened with the old secret end now
      return withBotName(ctx, issued);
    },
  }),
  revokeApiKey: t.prismaField({
    type: ApiKey,
    description: "Disables a key for good.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "API key id." }) },
    resolve: async (query, _root, args, ctx) => {
      const key = await ctx.apiKeys.revoke(actorOf(ctx), args.id);
      void ctx.liveAccess.recheck();
      return ctx.prisma.apiKey.findUniqueOrThrow({ ...query, where: { id: key.id } });
    },
  }),
}));
