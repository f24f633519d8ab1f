import { validSchedule } from "../schedules.js";
import { Prisma, type Bot, type BotStatus, type HandoffMode, type LeadField, type PrismaClient } from "@prisma/client";
import type { Config } from "../../config.js";
import { botGraph } from "../../db/vector.js";
import { EDITOR, requireRole, type Actor } from "../access/access.js";
import { AppError, assertId, badInput, notFound } from "../errors.js";
import { validHours, type BusinessHours } from "../handoff/hours.js";

/** The languages the widget speaks (its own words; the bot's greeting and answers are the tenant's). */
export const WIDGET_LANGUAGES = ["en", "de", "fr", "nl", "es"] as const;
export type WidgetLanguage = (typeof WIDGET_LANGUAGES)[number];

export interface WidgetTheme {
  primaryColor?: string | null;
  position?: "left" | "right" | null;
  title?: string | null;
  language?: WidgetLanguage | null;
}

export interface BotSettingsInput {
  chatModel?: string | null;
  temperature?: number | null;
  topK?: number | null;
  minSimilarity?: number | null;
  correctionThreshold?: number | null;
  handoff?: HandoffMode | null;
  /** Null clears them: a person can come whenever an operator is online. */
  handoffHours?: BusinessHours | null;
  handoffWaitSeconds?: number | null;
  leadFields?: LeadField[] | null;
  /** The schedule new link sources get; null: none. */
  linkSchedule?: string | null;
  greeting?: string | null;
  widgetTheme?: WidgetTheme | null;
}

export interface BotInput {
  name?: string | null;
  description?: string | null;
  isPublic?: boolean | null;
  allowedDomains?: string[] | null;
  settings?: BotSettingsInput | null;
}

/** What a public client (the widget) may know of a bot. */
export interface PublicFace {
  id: string;
  name: string;
  title: string;
  greeting: string | null;
  primaryColor: string | null;
  position: "left" | "right";
  language: WidgetLanguage;
  handoff: HandoffMode;
  handoffWaitSeconds: number;
  leadFields: LeadField[];
}

export function publicFace(bot: Bot): PublicFace {
  const theme = (bot.widgetTheme ?? {}) as WidgetTheme;
  return {
    id: bot.id,
    name: bot.name,
    title: theme.title ?? bot.name,
    greeting: bot.greeting,
    primaryColor: theme.primaryColor ?? null,
    position: theme.position === "left" ? "left" : "right",
    language: theme.language ?? "en",
    handoff: bot.handoff,
    handoffWaitSeconds: bot.handoffWaitSeconds,
    leadFields: bot.leadFields,
  };
}

/** Status changes a bot may make; archiving is undone by activating. */
const transitions: Record<BotStatus, BotStatus[]> = {
  DRAFT: ["ACTIVE", "ARCHIVED"],
  ACTIVE: ["ARCHIVED"],
  ARCHIVED: ["ACTIVE"],
};

/**
 * The widget theme after an update: a field left out keeps its value, a
 * field set to null goes back to its default.
 */
function mergeTheme(current: Prisma.JsonValue | null, input: WidgetTheme): Prisma.InputJsonObject {
  const merged: Record<string, unknown> = { ...(current && typeof current === "object" && !Array.isArray(current) ? current : {}) };
  for (const [key, value] of Object.entries(input)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged as Prisma.InputJsonObject;
}

/** Prisma data from input: null or absent leaves a field as it is, except nullable text, where null clears. */
function botData(input: BotInput, currentTheme: Prisma.JsonValue | null = null): Prisma.BotUpdateInput {
  const s = input.settings ?? {};
  const data: Prisma.BotUpdateInput = {};
  if (input.name != null) data.name = input.name;
  if (input.description !== undefined) data.description = input.description || null;
  if (input.isPublic != null) data.isPublic = input.isPublic;
  if (input.allowedDomains != null) data.allowedDomains = input.allowedDomains;
  if (s.chatModel !== undefined) data.chatModel = s.chatModel || null;
  if (s.temperature != null) data.temperature = s.temperature;
  if (s.topK != null) data.topK = s.topK;
  // null goes back to the embedder's default.
  if (s.minSimilarity !== undefined) data.minSimilarity = s.minSimilarity;
  if (s.correctionThreshold !== undefined) data.correctionThreshold = s.correctionThreshold;
  if (s.greeting !== undefined) data.greeting = s.greeting || null;
  if (s.handoff != null) data.handoff = s.handoff;
  if (s.handoffHours !== undefined) data.handoffHours = s.handoffHours ? (validHours(s.handoffHours) as unknown as Prisma.InputJsonObject) : Prisma.DbNull;
  if (s.handoffWaitSeconds != null) data.handoffWaitSeconds = s.handoffWaitSeconds;
  if (s.leadFields != null) data.leadFields = [...new Set(s.leadFields)];
  if (s.linkSchedule !== undefined) data.linkSchedule = validSchedule(s.linkSchedule);
  if (s.widgetTheme != null) data.widgetTheme = mergeTheme(currentTheme, s.widgetTheme);
  return data;
}

/**
 * A model to choose needs a model server: on the embedded answerer there is
 * none, and a model saved there would be silently ignored.
 */
function checkModel(input: BotInput, config: Pick<Config, "OLLAMA_BASE_URL">): void {
  if (input.settings?.chatModel && !config.OLLAMA_BASE_URL) {
    throw badInput(
      "No language model server is configured (OLLAMA_BASE_URL is not set): answers come from Parley's embedded answerer, which has no models to choose. Leave the chat model empty.",
      "chatModel",
    );
  }
}

export function createBotService({ prisma, config }: { prisma: PrismaClient; config: Pick<Config, "publicUrl" | "OLLAMA_BASE_URL"> }) {
  /** The bot, if the actor may act on it with `role`; NOT_FOUND for other tenants' bots. */
  async function load(actor: Actor, botId: string, role = EDITOR): Promise<Bot> {
    const bot = await prisma.bot.findUnique({ where: { id: assertId(botId, "bot") } });
    if (!bot || !actor.roles.has(bot.workspaceId)) throw notFound("Bot");
    requireRole(actor, bot.workspaceId, role, "Bot");
    return bot;
  }

  return {
    load,

    async create(actor: Actor, workspaceId: string, input: BotInput & { name: string }): Promise<Bot> {
      requireRole(actor, assertId(workspaceId, "workspace"), EDITOR);
      checkModel(input, config);
      return prisma.bot.create({
        data: { ...(botData(input) as Prisma.BotCreateWithoutWorkspaceInput), name: input.name, workspace: { connect: { id: workspaceId } } },
      });
    },

    async update(actor: Actor, botId: string, input: BotInput): Promise<Bot> {
      const bot = await load(actor, botId);
      checkModel(input, config);
      return prisma.bot.update({ where: { id: bot.id }, data: botData(input, bot.widgetTheme) });
    },

    async setStatus(actor: Actor, botId: string, status: BotStatus): Promise<Bot> {
      const bot = await load(actor, botId);
      if (bot.status === status) return bot;
      if (!transitions[bot.status].includes(status)) {
        throw new AppError("CONFLICT", `A ${bot.status.toLowerCase()} bot cannot become ${status.toLowerCase()}.`);
      }
      return prisma.bot.update({ where: { id: bot.id }, data: { status } });
    },

    /** Deletes the bot and, by cascade, its sources, chunks, prompts, keys, sessions and usage; then its graph, if it was large. */
    async delete(actor: Actor, botId: string): Promise<Bot> {
      const bot = await load(actor, botId);
      await prisma.bot.delete({ where: { id: bot.id } });
      await prisma.$executeRawUnsafe(botGraph(bot.id).drop);
      return bot;
    },

    /** Snippets to paste into a web page; the key is inserted when known (at creation), else a placeholder. */
    embedCode(bot: Pick<Bot, "id" | "name">, apiKey = "YOUR_API_KEY") {
      const base = config.publicUrl;
      const key = encodeURIComponent(apiKey);
      const title = bot.name.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
      return {
        iframe: `<iframe src="${base}/widget/${bot.id}?api_key=${key}" title="${title}" referrerpolicy="origin" style="border:0;width:100%;max-width:420px;height:640px" allow="clipboard-write"></iframe>`,
        script: `<script src="${base}/widget.js" data-bot-id="${bot.id}" data-api-key="${key}" async></script>`,
      };
    },
  };
}

export type BotService = ReturnType<typeof createBotService>;
