import * as v from "../services/validation.js";
import { assertId } from "../services/errors.js";
import { actorOf, builder } from "./builder.js";
import { MEMBER_WORK } from "./field-limits.js";

export const Correction = builder.prismaObject("Correction", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (correction) => ({ bot: correction.botId }),
  description:
    "An owner's answer to a question: a visitor's question that asks the same (the bot's embedder finds it close, and no name, number, day or subject word tells them apart) gets this answer, streamed like any other.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The correction's id." }),
    question: t.exposeString("question", { description: "The question it answers." }),
    phrasings: t.exposeStringList("phrasings", { description: "Other ways visitors ask it." }),
    answer: t.exposeString("answer", { description: "The answer visitors get." }),
    isActive: t.exposeBoolean("isActive", { description: "Whether it answers now." }),
    hitCount: t.exposeInt("hitCount", { description: "How many visitors' questions it has answered." }),
    lastHitAt: t.expose("lastHitAt", { type: "DateTime", nullable: true, description: "When it last answered one." }),
    createdBy: t.relation("createdBy", { nullable: true, description: "Who wrote it." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was made." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
  }),
});

const CorrectionInput = builder.inputType("CorrectionInput", {
  description: "A correction; in updateCorrection, omitted fields keep their value.",
  fields: (t) => ({
    question: t.string({ required: false, description: "The question it answers (needed to create one).", validate: { schema: v.optionalText(1000) } }),
    phrasings: t.stringList({ required: false, description: "Other ways visitors ask it (at most 20); replaces the list.", validate: { schema: v.phrasings } }),
    answer: t.string({ required: false, description: "The answer visitors get (needed to create one).", validate: { schema: v.optionalText(4000) } }),
    isActive: t.boolean({ required: false, description: "Whether it answers now. Default true." }),
  }),
});

builder.prismaObjectFields("Bot", (t) => ({
  corrections: t.relatedConnection("corrections", {
    description: "The owner's corrections of this bot's answers, newest first.",
    cursor: "id",
    totalCount: true,
    args: {
      search: t.arg.string({ required: false, description: "Only corrections whose question, phrasings or answer contain this (any case)." }),
      active: t.arg.boolean({ required: false, description: "Only active (true) or switched-off (false) ones." }),
    },
    query: (args) => {
      const search = args.search?.trim().slice(0, 200);
      return {
        where: {
          ...(args.active != null && { isActive: args.active }),
          ...(search && {
            OR: [
              { question: { contains: search, mode: "insensitive" as const } },
              { answer: { contains: search, mode: "insensitive" as const } },
              { phrasings: { has: search } },
            ],
          }),
        },
        orderBy: [{ createdAt: "desc" as const }, { id: "desc" as const }],
      };
    },
  }),
  correctionsCsv: t.string({
    description: "All of this bot's corrections as CSV (question, answer, phrasings one per line in their cell, active): what importCorrections reads.",
    resolve: (bot, _args, ctx) => ctx.corrections.exportCsv(actorOf(ctx), bot.id),
  }),
}));

builder.mutationFields((t) => ({
  createCorrection: t.prismaField({
    type: Correction,
    description:
      "Gives a bot the answer a question must get (owner or admin). From a transcript, pass the visitor's question and the answer as it should have been.",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }), input: t.arg({ type: CorrectionInput, description: "The correction." }) },
    resolve: async (query, _root, { botId, input }, ctx) => {
      const correction = await ctx.corrections.create(actorOf(ctx), assertId(botId, "bot"), {
        question: input.question ?? "",
        answer: input.answer ?? "",
        phrasings: input.phrasings ?? [],
        isActive: input.isActive ?? true,
      });
      return ctx.prisma.correction.findUniqueOrThrow({ ...query, where: { id: correction.id } });
    },
  }),
  updateCorrection: t.prismaField({
    type: Correction,
    description: "Changes a correction (owner or admin); a new question or phrasings are embedded again.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Correction id." }), input: t.arg({ type: CorrectionInput, description: "The changes." }) },
    resolve: async (query, _root, args, ctx) => {
      const correction = await ctx.corrections.update(actorOf(ctx), args.id, args.input);
      return ctx.prisma.correction.findUniqueOrThrow({ ...query, where: { id: correction.id } });
    },
  }),
  deleteCorrection: t.id({
    description: "Deletes a correction (owner or admin); returns its id. Answers it gave keep their text.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Correction id." }) },
    resolve: async (_root, args, ctx) => (await ctx.corrections.delete(actorOf(ctx), args.id)).id,
  }),
  importCorrections: t.prismaField({
    extensions: { rateLimit: MEMBER_WORK },
    type: [Correction],
    description:
      "Adds the corrections of a CSV (owner or admin): columns question and answer, and optionally phrasings (one per line, or separated by |) and active (yes or no). One bad row adds nothing; the error names its line.",
    authScopes: { user: true },
    args: {
      botId: t.arg.id({ description: "Bot id." }),
      csv: t.arg.string({ description: "The CSV text (at most 1 MB).", validate: { schema: v.csvText } }),
    },
    resolve: async (query, _root, args, ctx) => {
      const created = await ctx.corrections.importCsv(actorOf(ctx), assertId(args.botId, "bot"), args.csv);
      return ctx.prisma.correction.findMany({ ...query, where: { id: { in: created.map((c) => c.id) } }, orderBy: { createdAt: "asc" } });
    },
  }),
}));
