import { visibleChunksWhere } from "../db/chunks.js";
import { workspaceIds } from "../services/access/access.js";
import type { SourceEvent as SourceEventShape } from "../services/ingestion/events.js";
import { assertId, notFound } from "../services/errors.js";
import * as v from "../services/validation.js";
import { actorOf, builder } from "./builder.js";
import { MEMBER_WORK } from "./field-limits.js";
import { orRevoked, whileAllowed } from "./live.js";
import type { SourceErrorCode } from "../../connectors/index.js";
import { SourceErrorCodeEnum, SourceKind, SyncStatus } from "./enums.js";

builder.scalarType("File", {
  description: "A file sent with the GraphQL multipart request specification (an `Upload`).",
  serialize: () => {
    throw new Error("File is an input-only scalar.");
  },
});

const ChunkMetadata = builder.objectRef<{ page?: number; heading?: string; url?: string; title?: string }>("ChunkMetadata").implement({
  description: "Where in its source a chunk comes from.",
  fields: (t) => ({
    page: t.int({ nullable: true, description: "PDF page number.", resolve: (m) => m.page ?? null }),
    heading: t.string({ nullable: true, description: "The heading it sits under.", resolve: (m) => m.heading ?? null }),
    url: t.string({ nullable: true, description: "The web page it comes from.", resolve: (m) => m.url ?? null }),
    title: t.string({ nullable: true, description: "That page's title.", resolve: (m) => m.title ?? null }),
  }),
});

export const Chunk = builder.prismaObject("Chunk", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (chunk) => ({ bot: chunk.botId }),
  description: "A searchable piece of a source, with its embedding.",
  fields: (t) => ({
    id: t.id({ description: "The chunk's id.", resolve: (c) => String(c.id) }),
    index: t.exposeInt("chunkIndex", { description: "Position in the source (0 first)." }),
    content: t.exposeString("content", { description: "The text." }),
    metadata: t.field({ type: ChunkMetadata, description: "Where it comes from.", resolve: (c) => (c.metadata ?? {}) as object }),
  }),
});

export const Source = builder.prismaObject("Source", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (source) => ({ bot: source.botId }),
  description: "Something a bot knows: an uploaded document, a web link or text.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The source's id." }),
    kind: t.expose("kind", { type: SourceKind, description: "Document, link or text." }),
    connector: t.exposeString("connector", { description: "The connector that reads it (pdf, docx, text, web)." }),
    name: t.exposeString("name", { description: "File name, URL or given title." }),
    title: t.exposeString("title", { nullable: true, description: "Title found in the content." }),
    url: t.exposeString("url", { nullable: true, description: "For links: the address." }),
    mimeType: t.exposeString("mimeType", { nullable: true, description: "For documents: the media type." }),
    sizeBytes: t.exposeInt("sizeBytes", { nullable: true, description: "For documents and texts: the size in bytes." }),
    sha256: t.exposeString("sha256", { nullable: true, description: "SHA-256 of the uploaded bytes or text." }),
    syncStatus: t.expose("syncStatus", { type: SyncStatus, description: "Where it is in ingestion." }),
    lastError: t.exposeString("lastError", { nullable: true, description: "Why the last ingestion attempt failed." }),
    lastErrorCode: t.field({
      type: SourceErrorCodeEnum,
      nullable: true,
      description: "lastError's stable code.",
      resolve: (s) => (s.lastErrorCode as SourceErrorCode | null) ?? null,
    }),
    attempts: t.exposeInt("attempts", { description: "Ingestion attempts since the last success." }),
    chunkCount: t.exposeInt("chunkCount", { description: "Searchable chunks." }),
    lastSyncedAt: t.expose("lastSyncedAt", { type: "DateTime", nullable: true, description: "When it was last ingested." }),
    syncSchedule: t.exposeString("syncSchedule", {
      nullable: true,
      description: "When a link is read again: hourly, daily, weekly or a cron expression (UTC); null: only when asked.",
    }),
    nextSyncAt: t.expose("nextSyncAt", { type: "DateTime", nullable: true, description: "Its next scheduled read." }),
    embeddingModel: t.exposeString("embeddingModel", {
      nullable: true,
      description: "The embedding model its chunks' vectors come from. When the server is configured with another, the source is embedded again at start-up.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was added." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
    bot: t.relation("bot", { description: "The bot it belongs to." }),
    chunks: t.prismaConnection({
      type: "Chunk",
      description: "Its chunks, in order (the version readers see, while a new one is being stored).",
      cursor: "id",
      totalCount: (source, _args, ctx) => ctx.prisma.chunk.count({ where: visibleChunksWhere(source) }),
      resolve: (query, source, _args, ctx) =>
        ctx.prisma.chunk.findMany({ ...query, where: visibleChunksWhere(source), orderBy: [{ chunkIndex: "asc" }, { id: "asc" }] }),
    }),
  }),
});

const SourceProgress = builder.objectRef<NonNullable<SourceEventShape["progress"]>>("SourceProgress").implement({
  description: "How far a step of ingestion has come.",
  fields: (t) => ({
    step: t.exposeString("step", {
      description: "extracting, embedding, storing, or indexing (a large bot's chunks going into the vector index, answerable already).",
    }),
    done: t.exposeInt("done", { description: "Units done." }),
    total: t.exposeInt("total", { nullable: true, description: "Units in all, when known." }),
    unit: t.exposeString("unit", { description: "pages or chunks." }),
  }),
});

const SourceEvent = builder.objectRef<SourceEventShape>("SourceEvent").implement({
  description: "A change in a source's ingestion.",
  fields: (t) => ({
    sourceId: t.exposeID("sourceId", { description: "The source." }),
    status: t.exposeString("status", { description: "PENDING, PROCESSING, SYNCED, ERROR, or DELETED." }),
    progress: t.field({ type: SourceProgress, nullable: true, description: "Progress of the current step.", resolve: (e) => e.progress ?? null }),
    chunkCount: t.int({ nullable: true, description: "Chunks, once synced.", resolve: (e) => e.chunkCount ?? null }),
    attempts: t.int({ nullable: true, description: "Attempts so far.", resolve: (e) => e.attempts ?? null }),
    error: t.string({ nullable: true, description: "Why an attempt failed.", resolve: (e) => e.error ?? null }),
    errorCode: t.field({ type: SourceErrorCodeEnum, nullable: true, description: "error's stable code.", resolve: (e) => e.errorCode ?? null }),
    at: t.expose("at", { type: "DateTime", description: "When it happened." }),
  }),
});

const LinkInput = builder.inputType("LinkInput", {
  description: "A web page to read, and optionally the pages around it.",
  fields: (t) => ({
    url: t.string({ description: "An http(s) address.", validate: { schema: v.linkUrl } }),
    maxDepth: t.int({
      required: false,
      description: "Follow same-site links this deep (0 to 5; default 0: only this page).",
      validate: { schema: v.crawlDepth },
    }),
    maxPages: t.int({
      required: false,
      description: "Read at most this many pages (1 to 1000; default 1, or 20 when crawling).",
      validate: { schema: v.crawlPages },
    }),
    sitemap: t.boolean({ required: false, description: "Read the pages the site's /sitemap.xml lists instead of following links." }),
    schedule: t.string({
      required: false,
      description:
        'When to read it again: hourly, daily, weekly, or a cron expression (UTC, at most every 15 minutes); null or "off": only when asked. Left out: the bot\'s linkSchedule (new links).',
    }),
  }),
});

builder.queryFields((t) => ({
  source: t.prismaField({
    type: Source,
    description: "One source of one of your bots.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Source id." }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = actorOf(ctx);
      const source = await ctx.prisma.source.findFirst({
        ...query,
        where: { id: assertId(args.id, "source"), bot: { workspaceId: { in: workspaceIds(actor) } } },
      });
      if (!source) throw notFound("Source");
      return source;
    },
  }),
}));

builder.mutationFields((t) => ({
  uploadDocument: t.prismaField({
    extensions: { rateLimit: MEMBER_WORK },
    type: Source,
    description: "Adds a PDF, DOCX or text file to a bot (multipart upload, at most MAX_UPLOAD_BYTES). Ingestion runs in the background: watch sourceEvents.",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }), file: t.arg({ type: "File", description: "The document." }) },
    resolve: async (query, _root, args, ctx) => {
      const source = await ctx.sources.uploadDocument(actorOf(ctx), args.botId, args.file);
      return ctx.prisma.source.findUniqueOrThrow({ ...query, where: { id: source.id } });
    },
  }),
  addTextSource: t.prismaField({
    extensions: { rateLimit: MEMBER_WORK },
    type: Source,
    description: "Adds text typed in directly.",
    authScopes: { user: true },
    args: {
      botId: t.arg.id({ description: "Bot id." }),
      title: t.arg.string({ description: "A title for the text.", validate: { schema: v.name } }),
      text: t.arg.string({ description: "The text.", validate: { schema: v.sourceText } }),
    },
    resolve: async (query, _root, args, ctx) => {
      const source = await ctx.sources.addText(actorOf(ctx), args.botId, args.title, args.text);
      return ctx.prisma.source.findUniqueOrThrow({ ...query, where: { id: source.id } });
    },
  }),
  addLinkSource: t.prismaField({
    extensions: { rateLimit: MEMBER_WORK },
    type: Source,
    description: "Adds a web page (and optionally the pages linked from it, or listed in its sitemap).",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }), link: t.arg({ type: LinkInput, description: "What to read." }) },
    resolve: async (query, _root, args, ctx) => {
      const source = await ctx.sources.addLink(actorOf(ctx), args.botId, args.link);
      if (source.nextSyncAt) ctx.syncScheduler.wake();
      return ctx.prisma.source.findUniqueOrThrow({ ...query, where: { id: source.id } });
    },
  }),
  setSourceSchedule: t.prismaField({
    type: Source,
    description: "Sets when a link source is read again (hourly, daily, weekly or a cron expression, UTC), or clears it (null).",
    authScopes: { user: true },
    args: {
      id: t.arg.id({ description: "Source id." }),
      schedule: t.arg.string({ required: false, description: "hourly, daily, weekly, a cron expression (at most every 15 minutes), or null for none." }),
    },
    resolve: async (query, _root, args, ctx) => {
      const source = await ctx.sources.schedule(actorOf(ctx), args.id, args.schedule ?? null);
      ctx.syncScheduler.wake();
      return ctx.prisma.source.findUniqueOrThrow({ ...query, where: { id: source.id } });
    },
  }),
  updateSource: t.prismaField({
    type: Source,
    description: "Gives a source a new file, text or link (one of them), or a new title. Its current chunks keep serving until the new ones replace them.",
    authScopes: { user: true },
    args: {
      id: t.arg.id({ description: "Source id." }),
      file: t.arg({ type: "File", required: false, description: "A new file (document sources)." }),
      text: t.arg.string({ required: false, description: "New text (text sources).", validate: { schema: v.sourceText } }),
      link: t.arg({ type: LinkInput, required: false, description: "A new address and crawl settings (link sources)." }),
      title: t.arg.string({ required: false, description: "A new title.", validate: { schema: v.name } }),
    },
    resolve: async (query, _root, args, ctx) => {
      const source = await ctx.sources.update(actorOf(ctx), args.id, args);
      return ctx.prisma.source.findUniqueOrThrow({ ...query, where: { id: source.id } });
    },
  }),
  deleteSource: t.id({
    description: "Deletes a source and its chunks; returns its id.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Source id." }) },
    resolve: async (_root, args, ctx) => (await ctx.sources.delete(actorOf(ctx), args.id)).id,
  }),
  resyncSource: t.prismaField({
    extensions: { rateLimit: MEMBER_WORK },
    type: Source,
    description: "Reads a source again (after an error, or to pick up a changed web page). Unchanged content is not embedded again.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Source id." }) },
    resolve: async (query, _root, args, ctx) => {
      const source = await ctx.sources.resync(actorOf(ctx), args.id);
      return ctx.prisma.source.findUniqueOrThrow({ ...query, where: { id: source.id } });
    },
  }),
  resyncBot: t.int({
    extensions: { rateLimit: MEMBER_WORK },
    description: "Reads all of a bot's sources again; returns how many were queued.",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }) },
    resolve: (_root, args, ctx) => ctx.sources.resyncBot(actorOf(ctx), args.botId),
  }),
}));

builder.subscriptionType({ description: "Streams of events, over graphql-ws or server-sent events." });

builder.subscriptionFields((t) => ({
  sourceEvents: t.field({
    type: SourceEvent,
    description: "Status changes and progress of a bot's sources, as they happen.",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }) },
    subscribe: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      const bot = await ctx.prisma.bot.findUnique({ where: { id: assertId(args.botId, "bot") }, select: { id: true, workspaceId: true } });
      if (!bot || !actor.roles.has(bot.workspaceId)) throw notFound("Bot");
      return whileAllowed(ctx, bot.id, (signal) => ctx.sourceEvents.subscribe(bot.id, signal));
    },
    resolve: orRevoked,
  }),
}));
