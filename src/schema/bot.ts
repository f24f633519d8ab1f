import type { Bot as BotRow, Prisma } from "@prisma/client";
import type { Context } from "../context.js";
import { workspaceIds } from "../services/access/access.js";
import type { WidgetTheme as WidgetThemeShape } from "../services/tenancy/bots.js";
import { assertId, notFound } from "../services/errors.js";
import * as v from "../services/validation.js";
import { actorOf, builder } from "./builder.js";
import { BotStatus, HandoffMode, LeadField, SyncStatus } from "./enums.js";
import { storedHours, WEEKDAYS, type BusinessHours as BusinessHoursShape } from "../services/handoff/hours.js";
import { ConversationFilter, conversationWhere } from "./chat-session.js";

const WidgetPosition = builder.enumType("WidgetPosition", {
  description: "Which bottom corner the widget's launcher sits in.",
  values: { LEFT: { value: "left", description: "Bottom left." }, RIGHT: { value: "right", description: "Bottom right." } } as const,
});

export const WidgetLanguage = builder.enumType("WidgetLanguage", {
  description: "The language of the widget's own words (buttons, states); the greeting and the answers are the bot's.",
  values: {
    EN: { value: "en", description: "English." },
    DE: { value: "de", description: "German." },
    FR: { value: "fr", description: "French." },
    NL: { value: "nl", description: "Dutch." },
    ES: { value: "es", description: "Spanish." },
  } as const,
});

const WidgetTheme = builder.objectRef<WidgetThemeShape>("WidgetTheme").implement({
  description: "How the website widget looks.",
  fields: (t) => ({
    primaryColor: t.string({ nullable: true, description: "Accent colour, like #1a73e8.", resolve: (w) => w.primaryColor ?? null }),
    position: t.field({ type: WidgetPosition, nullable: true, description: "Launcher corner.", resolve: (w) => w.position ?? null }),
    title: t.string({ nullable: true, description: "Header title (the bot's name when null).", resolve: (w) => w.title ?? null }),
    language: t.field({ type: WidgetLanguage, nullable: true, description: "The widget's language (English when null).", resolve: (w) => w.language ?? null }),
  }),
});

const Weekday = builder.enumType("Weekday", {
  description: "A day of the week.",
  values: Object.fromEntries(WEEKDAYS.map((day) => [day, { description: day }])) as Record<(typeof WEEKDAYS)[number], { description: string }>,
});

const OpeningHours = builder.objectRef<BusinessHoursShape["days"][number]>("OpeningHours").implement({
  description: "When operators answer on one day.",
  fields: (t) => ({
    day: t.field({ type: Weekday, description: "The day.", resolve: (d) => d.day }),
    from: t.exposeString("from", { description: "Opening time, HH:MM." }),
    to: t.exposeString("to", { description: "Closing time, HH:MM (24:00 for midnight)." }),
  }),
});

const BusinessHours = builder.objectRef<BusinessHoursShape>("BusinessHours").implement({
  description: "When a bot's operators answer, in the business's time zone.",
  fields: (t) => ({
    timeZone: t.exposeString("timeZone", { description: "An IANA time zone, like Europe/Amsterdam." }),
    days: t.field({ type: [OpeningHours], description: "Opening times; a day not listed is closed.", resolve: (h) => h.days }),
  }),
});

const OpeningHoursInput = builder.inputType("OpeningHoursInput", {
  description: "When operators answer on one day.",
  fields: (t) => ({
    day: t.field({ type: Weekday, description: "The day." }),
    from: t.string({ description: "Opening time, HH:MM." }),
    to: t.string({ description: "Closing time, HH:MM (24:00 for midnight)." }),
  }),
});

const BusinessHoursInput = builder.inputType("BusinessHoursInput", {
  description: "When a bot's operators answer.",
  fields: (t) => ({
    timeZone: t.string({ description: "An IANA time zone, like Europe/Amsterdam." }),
    days: t.field({ type: [OpeningHoursInput], description: "Opening times; a day left out is closed." }),
  }),
});

const BotSettings = builder.objectRef<BotRow>("BotSettings").implement({
  description: "How a bot answers.",
  fields: (t) => ({
    chatModel: t.string({ nullable: true, description: "Chat model; null means the server's CHAT_MODEL.", resolve: (b) => b.chatModel }),
    temperature: t.float({ description: "Sampling temperature, 0 to 2.", resolve: (b) => b.temperature }),
    topK: t.int({ description: "How many chunks are retrieved per question.", resolve: (b) => b.topK }),
    minSimilarity: t.float({
      description: "Chunks less similar than this (cosine, -1 to 1) are not used: the bot's own value, or the embedder's default.",
      resolve: (b, _, ctx) => b.minSimilarity ?? ctx.retrieval.defaultMinSimilarity,
    }),
    minSimilarityIsDefault: t.boolean({
      description: "Whether minSimilarity is the embedder's default, which follows the embedder in use.",
      resolve: (b) => b.minSimilarity === null,
    }),
    correctionThreshold: t.float({
      description:
        "How close (cosine, -1 to 1) a visitor's question must be to a correction's question to get its answer: the bot's own value, or the embedder's default.",
      resolve: (b, _, ctx) => b.correctionThreshold ?? ctx.embedder.correctionSimilarity,
    }),
    correctionThresholdIsDefault: t.boolean({
      description: "Whether correctionThreshold is the embedder's default, which follows the embedder in use.",
      resolve: (b) => b.correctionThreshold === null,
    }),
    greeting: t.string({ nullable: true, description: "First message the widget shows.", resolve: (b) => b.greeting }),
    handoff: t.field({ type: HandoffMode, description: "When visitors are offered a person (the bot's operators).", resolve: (b) => b.handoff }),
    handoffHours: t.field({
      type: BusinessHours,
      nullable: true,
      description: "When a person can come; null: whenever an operator is online. Outside them, visitors may leave a message.",
      resolve: (b) => storedHours(b.handoffHours),
    }),
    handoffWaitSeconds: t.int({
      description: "How long a visitor waits in the queue before being offered to leave a message.",
      resolve: (b) => b.handoffWaitSeconds,
    }),
    leadFields: t.field({ type: [LeadField], description: "What the message form asks besides email and message.", resolve: (b) => b.leadFields }),
    linkSchedule: t.string({
      nullable: true,
      description: "The schedule new link sources get: hourly, daily, weekly or a cron expression (UTC); null: read only when asked.",
      resolve: (b) => b.linkSchedule,
    }),
    widgetTheme: t.field({ type: WidgetTheme, description: "Widget appearance.", resolve: (b) => (b.widgetTheme ?? {}) as WidgetThemeShape }),
  }),
});

const SourceCounts = builder.objectRef<{ total: number; pending: number; processing: number; synced: number; error: number }>("SourceCounts").implement({
  description: "How many of a bot's sources are in each sync status.",
  fields: (t) => ({
    total: t.exposeInt("total", { description: "All sources." }),
    pending: t.exposeInt("pending", { description: "Waiting for ingestion." }),
    processing: t.exposeInt("processing", { description: "Being ingested." }),
    synced: t.exposeInt("synced", { description: "Searchable." }),
    error: t.exposeInt("error", { description: "Failed." }),
  }),
});

export const EmbedCode = builder.objectRef<{ iframe: string; script: string }>("EmbedCode").implement({
  description: "HTML to paste into a web page to add the bot's chat widget.",
  fields: (t) => ({
    iframe: t.exposeString("iframe", { description: "An <iframe> with the full-page chat." }),
    script: t.exposeString("script", { description: "A <script> tag that adds a floating launcher." }),
  }),
});

export const Bot = builder.prismaObject("Bot", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (bot) => ({ workspace: bot.workspaceId }),
  description: "A chatbot that answers from its sources.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The bot's id." }),
    workspace: t.relation("workspace", { description: "The workspace it belongs to." }),
    name: t.exposeString("name", { description: "Display name." }),
    description: t.exposeString("description", { nullable: true, description: "What the bot is for." }),
    isPublic: t.exposeBoolean("isPublic", { description: "Whether API keys work from any website (else only from allowedDomains)." }),
    allowedDomains: t.exposeStringList("allowedDomains", { description: "Websites whose pages may use the widget: host names or *.example.com wildcards." }),
    status: t.expose("status", { type: BotStatus, description: "Draft, active or archived." }),
    settings: t.field({ type: BotSettings, description: "How it answers.", resolve: (b) => b }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was made." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
    sources: t.relatedConnection("sources", {
      description: "What the bot knows, newest first.",
      cursor: "id",
      totalCount: true,
      args: { status: t.arg({ type: SyncStatus, required: false, description: "Only sources in this status." }) },
      query: (args) => ({ where: args.status ? { syncStatus: args.status } : {}, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
    }),
    prompts: t.relatedConnection("prompts", {
      description: "System prompts and user templates, in order.",
      cursor: "id",
      totalCount: true,
      query: { orderBy: [{ type: "asc" }, { order: "asc" }, { createdAt: "asc" }] },
    }),
    apiKeys: t.relatedConnection("apiKeys", {
      description: "Keys for the widget and public clients, newest first (the console's preview keys are not among them: see previewWidget).",
      cursor: "id",
      totalCount: true,
      query: { where: { preview: false }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] },
    }),
    sessions: t.relatedConnection("chatSessions", {
      description: "Conversations, most recently active first.",
      cursor: "id",
      totalCount: true,
      args: { filter: t.arg({ type: ConversationFilter, required: false, description: "Only rated-down or unanswered conversations." }) },
      query: (args) => ({ where: conversationWhere(args.filter), orderBy: [{ lastActivityAt: "desc" }, { id: "desc" }] }),
    }),
    sourceCounts: t.field({
      type: SourceCounts,
      description: "Sources by sync status.",
      resolve: (b, _args, ctx) => ctx.loaders.sourceCounts.load(b.id),
    }),
    chunkCount: t.int({
      description: "Searchable chunks across all sources.",
      resolve: (b, _args, ctx) => ctx.loaders.chunkCount.load(b.id),
    }),
    lastActivityAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When a visitor (or a member, in the playground) last talked to it; null if nobody has.",
      resolve: (b, _args, ctx) => ctx.loaders.lastActivityAt.load(b.id),
    }),
    embedCode: t.field({
      type: EmbedCode,
      description: "Snippets for a web page, with YOUR_API_KEY where the key goes (createApiKey returns them filled in).",
      resolve: (b, _args, ctx) => ctx.bots.embedCode(b),
    }),
  }),
});

const WidgetThemeInput = builder.inputType("WidgetThemeInput", {
  description: "Widget appearance; omitted fields keep their value.",
  fields: (t) => ({
    primaryColor: t.string({ required: false, description: "Accent colour, like #1a73e8.", validate: { schema: v.hexColor } }),
    position: t.field({ type: WidgetPosition, required: false, description: "Launcher corner." }),
    title: t.string({ required: false, description: "Header title.", validate: { schema: v.optionalText(100) } }),
    language: t.field({ type: WidgetLanguage, required: false, description: "The widget's language." }),
  }),
});

const BotSettingsInput = builder.inputType("BotSettingsInput", {
  description: "How a bot answers; omitted fields keep their value, null clears text fields.",
  fields: (t) => ({
    chatModel: t.string({ required: false, description: "Chat model; empty or null for the server's default.", validate: { schema: v.modelName } }),
    temperature: t.float({ required: false, description: "0 to 2.", validate: { schema: v.temperature } }),
    topK: t.int({ required: false, description: "1 to 50.", validate: { schema: v.topK } }),
    minSimilarity: t.float({ required: false, description: "-1 to 1; null for the embedder's default.", validate: { schema: v.minSimilarity } }),
    correctionThreshold: t.float({
      required: false,
      description: "-1 to 1; null for the embedder's default. Higher: fewer questions get a correction's answer.",
      validate: { schema: v.minSimilarity },
    }),
    greeting: t.string({ required: false, description: "First message the widget shows.", validate: { schema: v.optionalText(1000) } }),
    handoff: t.field({ type: HandoffMode, required: false, description: "When visitors are offered a person (set its operators with setBotOperators)." }),
    handoffHours: t.field({ type: BusinessHoursInput, required: false, description: "When a person can come; null clears (whenever an operator is online)." }),
    handoffWaitSeconds: t.int({
      required: false,
      description: "10 to 3600 seconds in the queue before the message form is offered.",
      validate: { schema: v.waitSeconds },
    }),
    leadFields: t.field({ type: [LeadField], required: false, description: "What the message form asks besides email and message." }),
    linkSchedule: t.string({
      required: false,
      description: 'The schedule new link sources get: hourly, daily, weekly or a cron expression (UTC, at most every 15 minutes); null or "off": none.',
    }),
    widgetTheme: t.field({ type: WidgetThemeInput, required: false, description: "Widget appearance." }),
  }),
});

const CreateBotInput = builder.inputType("CreateBotInput", {
  description: "A new bot. It starts as a draft.",
  fields: (t) => ({
    workspaceId: t.id({ description: "The workspace to create it in." }),
    name: t.string({ description: "Display name, 1 to 200 characters.", validate: { schema: v.name } }),
    description: t.string({ required: false, description: "What the bot is for.", validate: { schema: v.optionalText(2000) } }),
    isPublic: t.boolean({ required: false, description: "Whether API keys work from any website. Default false." }),
    allowedDomains: t.stringList({ required: false, description: "Websites allowed to embed it.", validate: { schema: v.allowedDomains } }),
    settings: t.field({ type: BotSettingsInput, required: false, description: "How it answers." }),
  }),
});

const UpdateBotInput = builder.inputType("UpdateBotInput", {
  description: "Changes to a bot; omitted fields keep their value.",
  fields: (t) => ({
    name: t.string({ required: false, description: "Display name.", validate: { schema: v.name } }),
    description: t.string({ required: false, description: "What the bot is for.", validate: { schema: v.optionalText(2000) } }),
    isPublic: t.boolean({ required: false, description: "Whether API keys work from any website." }),
    allowedDomains: t.stringList({ required: false, description: "Replaces the list of allowed websites.", validate: { schema: v.allowedDomains } }),
    settings: t.field({ type: BotSettingsInput, required: false, description: "How it answers." }),
  }),
});

/** The bots a `bots` query may see: the actor's workspaces, or one of them; by status, and by words in the name or description. */
function botsWhere(ctx: Context, args: { workspaceId?: string | null; status?: BotRow["status"] | null; search?: string | null }): Prisma.BotWhereInput {
  const actor = actorOf(ctx);
  const workspaceId = args.workspaceId ? assertId(args.workspaceId, "workspace") : undefined;
  if (workspaceId && !actor.roles.has(workspaceId)) throw notFound("Workspace");
  const search = args.search?.trim().slice(0, 200);
  return {
    workspaceId: workspaceId ?? { in: workspaceIds(actor) },
    ...(args.status && { status: args.status }),
    ...(search && { OR: [{ name: { contains: search, mode: "insensitive" } }, { description: { contains: search, mode: "insensitive" } }] }),
  };
}

builder.queryFields((t) => ({
  bots: t.prismaConnection({
    type: Bot,
    cursor: "id",
    totalCount: (_root, args, ctx) => ctx.prisma.bot.count({ where: botsWhere(ctx, args) }),
    description: "Bots of your workspaces (or of one), newest first.",
    authScopes: { user: true },
    args: {
      workspaceId: t.arg.id({ required: false, description: "Only this workspace's bots." }),
      status: t.arg({ type: BotStatus, required: false, description: "Only bots in this status." }),
      search: t.arg.string({ required: false, description: "Only bots whose name or description contains this (any case)." }),
    },
    resolve: (query, _root, args, ctx) => ctx.prisma.bot.findMany({ ...query, where: botsWhere(ctx, args), orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
  }),
  bot: t.prismaField({
    type: Bot,
    description: "One of your bots.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Bot id." }) },
    resolve: async (query, _root, args, ctx) => {
      const bot = await ctx.prisma.bot.findFirst({ ...query, where: { id: assertId(args.id, "bot"), workspaceId: { in: workspaceIds(actorOf(ctx)) } } });
      if (!bot) throw notFound("Bot");
      return bot;
    },
  }),
}));

builder.mutationFields((t) => ({
  createBot: t.prismaField({
    type: Bot,
    description: "Creates a bot as a draft (owner or admin).",
    authScopes: { user: true },
    args: { input: t.arg({ type: CreateBotInput, description: "The bot." }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { workspaceId, ...rest } = input;
      const bot = await ctx.bots.create(actorOf(ctx), workspaceId, rest);
      return ctx.prisma.bot.findUniqueOrThrow({ ...query, where: { id: bot.id } });
    },
  }),
  updateBot: t.prismaField({
    type: Bot,
    description: "Changes a bot (owner or admin).",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Bot id." }), input: t.arg({ type: UpdateBotInput, description: "The changes." }) },
    resolve: async (query, _root, args, ctx) => {
      const bot = await ctx.bots.update(actorOf(ctx), args.id, args.input);
      return ctx.prisma.bot.findUniqueOrThrow({ ...query, where: { id: bot.id } });
    },
  }),
  activateBot: t.prismaField({
    type: Bot,
    description: "Makes a draft or archived bot answer.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Bot id." }) },
    resolve: async (query, _root, args, ctx) => {
      const bot = await ctx.bots.setStatus(actorOf(ctx), args.id, "ACTIVE");
      return ctx.prisma.bot.findUniqueOrThrow({ ...query, where: { id: bot.id } });
    },
  }),
  archiveBot: t.prismaField({
    type: Bot,
    description: "Retires a bot: its keys stop working until it is activated again. Nothing is deleted.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Bot id." }) },
    resolve: async (query, _root, args, ctx) => {
      const bot = await ctx.bots.setStatus(actorOf(ctx), args.id, "ARCHIVED");
      void ctx.liveAccess.recheck(); // visitors' streams end now
      return ctx.prisma.bot.findUniqueOrThrow({ ...query, where: { id: bot.id } });
    },
  }),
  deleteBot: t.id({
    description: "Deletes a bot with its sources, chunks, prompts, keys, conversations and usage. Returns its id.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Bot id." }) },
    resolve: async (_root, args, ctx) => {
      const bot = await ctx.bots.delete(actorOf(ctx), args.id);
      void ctx.liveAccess.recheck();
      return bot.id;
    },
  }),
}));
