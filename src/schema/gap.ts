import type { CitedSource as CitedSourceShape } from "../services/answering/passages.js";
import { assertId } from "../services/errors.js";
import { actorOf, builder } from "./builder.js";
import { CitedSource } from "./chat.js";

const GapReason = builder.enumType("GapReason", {
  description: "Why a question is in the gaps inbox.",
  values: {
    UNANSWERED: { description: "Nothing in the bot's sources covered it: the bot said it does not know." },
    RATED_DOWN: { description: "It was answered, and the visitor rated the answer down." },
  } as const,
});

export const GapQuestion = builder.prismaObject("GapQuestion", {
  // Checked wherever in the graph one is reached: its topic's bot decides.
  authScopes: async (question, ctx) => ({ bot: await ctx.loaders.gapTopicBot.load(question.topicId) }),
  description: "A question the bot missed.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The question's id." }),
    text: t.exposeString("text", { description: "What the visitor asked." }),
    reason: t.expose("reason", { type: GapReason, description: "Unanswered, or rated down." }),
    askedAt: t.expose("askedAt", { type: "DateTime", description: "When it was asked." }),
    passages: t.field({
      type: [CitedSource],
      description: "The passages retrieval found for it, whether or not they were used: what the bot had to go on.",
      extensions: { listSize: 50 },
      resolve: (q) => (q.passages ?? []) as unknown as CitedSourceShape[],
    }),
    answer: t.relation("message", { description: "The answer it got." }),
  }),
});

export const GapTopic = builder.prismaObject("GapTopic", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (topic) => ({ bot: topic.botId }),
  description: "Questions the bot missed, grouped by meaning: one thing its sources do not say (or say badly).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The topic's id." }),
    question: t.exposeString("question", { description: "Its first question, which names it." }),
    questionCount: t.exposeInt("questionCount", { description: "How many questions it holds." }),
    firstAskedAt: t.expose("firstAskedAt", { type: "DateTime", description: "When its first question was asked." }),
    lastAskedAt: t.expose("lastAskedAt", { type: "DateTime", description: "When its latest question was asked." }),
    dismissedAt: t.expose("dismissedAt", { type: "DateTime", nullable: true, description: "When the owner put it aside; a new question opens it again." }),
    questions: t.relatedConnection("questions", {
      description: "Its questions, newest first.",
      cursor: "id",
      totalCount: true,
      query: { orderBy: [{ askedAt: "desc" }, { id: "desc" }] },
    }),
  }),
});

builder.prismaObjectFields("Bot", (t) => ({
  gap: t.prismaField({
    type: GapTopic,
    nullable: true,
    description: "One gap topic of this bot, by its id (from `gaps`).",
    args: { id: t.arg.id({ description: "The topic's id." }) },
    resolve: (query, bot, args, ctx) => ctx.prisma.gapTopic.findFirst({ ...query, where: { id: assertId(args.id, "gap"), botId: bot.id } }),
  }),
  gaps: t.relatedConnection("gapTopics", {
    description: "The gaps inbox: questions this bot could not answer or whose answers were rated down, grouped by meaning, largest topic first.",
    cursor: "id",
    totalCount: true,
    args: { dismissed: t.arg.boolean({ required: false, description: "The topics put aside (true) instead of the open ones (default)." }) },
    query: (args) => ({
      where: { dismissedAt: args.dismissed ? { not: null } : null },
      orderBy: [{ questionCount: "desc" as const }, { lastAskedAt: "desc" as const }, { id: "desc" as const }],
    }),
  }),
}));

builder.mutationFields((t) => ({
  dismissGap: t.prismaField({
    type: GapTopic,
    description: "Puts a gap topic aside (owner or admin): dealt with (a correction, a source) or not worth it. A new question about it opens it again.",
    authScopes: { user: true },
    args: {
      id: t.arg.id({ description: "Gap topic id." }),
      dismissed: t.arg.boolean({ required: false, description: "false opens it again. Default true." }),
    },
    resolve: async (query, _root, args, ctx) => {
      const topic = await ctx.gaps.dismiss(actorOf(ctx), args.id, args.dismissed ?? true);
      return ctx.prisma.gapTopic.findUniqueOrThrow({ ...query, where: { id: topic.id } });
    },
  }),
}));
