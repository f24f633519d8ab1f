import type { Prisma } from "@prisma/client";
import { builder } from "./builder.js";
import { assertId } from "../services/errors.js";

/** An answer the bot could not give from its sources: it failed, or it cited none. */
export const UNANSWERED: Prisma.MessageWhereInput = {
  role: "ASSISTANT",
  OR: [{ errorCode: { not: null } }, { sources: { equals: [] }, correctionId: null }],
};

export const ConversationFilter = builder.enumType("ConversationFilter", {
  description: "Which conversations to list: the owner's to-do list of missing knowledge.",
  values: {
    RATED_DOWN: { description: "With an answer a visitor rated down." },
    UNANSWERED: { description: "With a question the bot could not answer from its sources (no source cited, or the answer failed)." },
  } as const,
});

/** The sessions a filter keeps. */
export function conversationWhere(filter: "RATED_DOWN" | "UNANSWERED" | null | undefined): Prisma.ChatSessionWhereInput {
  if (filter === "RATED_DOWN") return { messages: { some: { feedback: "DOWN" } } };
  if (filter === "UNANSWERED") return { messages: { some: UNANSWERED } };
  return {};
}

export const ChatSession = builder.prismaObject("ChatSession", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (session) => ({ bot: session.botId }),
  description: "A conversation with a bot.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The conversation's id (not the visitor's session token)." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it began." }),
    lastActivityAt: t.expose("lastActivityAt", { type: "DateTime", description: "When the last message came." }),
    apiKey: t.relation("apiKey", { nullable: true, description: "The key the visitor came with (null: a member, in the console's playground or the API)." }),
    messageCount: t.relationCount("messages", { description: "Questions and answers." }),
    downRatedCount: t.relationCount("messages", { where: { feedback: "DOWN" }, description: "Answers rated down." }),
    unansweredCount: t.relationCount("messages", { where: UNANSWERED, description: "Answers that cited no source or failed." }),
    firstQuestion: t.string({
      nullable: true,
      description: "The visitor's first question: what the conversation is about.",
      select: { messages: { where: { role: "USER" }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: 1, select: { content: true } } },
      resolve: (session) => session.messages[0]?.content ?? null,
    }),
  }),
});

builder.prismaObjectFields("Bot", (t) => ({
  session: t.prismaField({
    type: ChatSession,
    nullable: true,
    description: "One conversation of this bot, by its id (from `sessions`).",
    args: { id: t.arg.id({ description: "The conversation's id." }) },
    resolve: (query, bot, args, ctx) => ctx.prisma.chatSession.findFirst({ ...query, where: { id: assertId(args.id, "conversation"), botId: bot.id } }),
  }),
}));
