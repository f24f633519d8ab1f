import * as v from "../services/validation.js";
import { actorOf, builder } from "./builder.js";
import { PromptType } from "./enums.js";

export const Prompt = builder.prismaObject("Prompt", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (prompt) => ({ bot: prompt.botId }),
  description: "Text that shapes a bot's answers.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The prompt's id." }),
    type: t.expose("type", { type: PromptType, description: "System prompt or user template." }),
    name: t.exposeString("name", { nullable: true, description: "A label for admins." }),
    text: t.exposeString("text", { description: "The prompt itself." }),
    order: t.exposeInt("order", { description: "Position among the bot's prompts of its type (0 first)." }),
    isActive: t.exposeBoolean("isActive", { description: "Whether it is used. A bot uses at most one user template." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was made." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
  }),
});

const CreatePromptInput = builder.inputType("CreatePromptInput", {
  description: "A new prompt; it goes last in its type's order.",
  fields: (t) => ({
    type: t.field({ type: PromptType, description: "System prompt or user template." }),
    text: t.string({ description: "The prompt. A user template must contain {question}.", validate: { schema: v.promptText } }),
    name: t.string({ required: false, description: "A label for admins.", validate: { schema: v.optionalText(200) } }),
    isActive: t.boolean({ required: false, description: "Default true. Activating a user template retires the bot's other one." }),
  }),
});

const UpdatePromptInput = builder.inputType("UpdatePromptInput", {
  description: "Changes to a prompt; omitted fields keep their value.",
  fields: (t) => ({
    type: t.field({ type: PromptType, required: false, description: "System prompt or user template." }),
    text: t.string({ required: false, description: "The prompt.", validate: { schema: v.promptText } }),
    name: t.string({ required: false, description: "A label for admins; null clears it.", validate: { schema: v.optionalText(200) } }),
    isActive: t.boolean({ required: false, description: "Whether it is used." }),
  }),
});

builder.mutationFields((t) => ({
  createPrompt: t.prismaField({
    type: Prompt,
    description: "Adds a prompt to a bot (owner or admin).",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }), input: t.arg({ type: CreatePromptInput, description: "The prompt." }) },
    resolve: async (query, _root, args, ctx) => {
      const prompt = await ctx.prompts.create(actorOf(ctx), args.botId, args.input);
      return ctx.prisma.prompt.findUniqueOrThrow({ ...query, where: { id: prompt.id } });
    },
  }),
  updatePrompt: t.prismaField({
    type: Prompt,
    description: "Changes a prompt (owner or admin).",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Prompt id." }), input: t.arg({ type: UpdatePromptInput, description: "The changes." }) },
    resolve: async (query, _root, args, ctx) => {
      const prompt = await ctx.prompts.update(actorOf(ctx), args.id, args.input);
      return ctx.prisma.prompt.findUniqueOrThrow({ ...query, where: { id: prompt.id } });
    },
  }),
  deletePrompt: t.id({
    description: "Deletes a prompt (owner or admin); returns its id.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Prompt id." }) },
    resolve: async (_root, args, ctx) => (await ctx.prompts.delete(actorOf(ctx), args.id)).id,
  }),
  reorderPrompts: t.prismaField({
    type: [Prompt],
    description: "Puts a bot's prompts in the given order; the list must name each of them once.",
    authScopes: { user: true },
    args: {
      botId: t.arg.id({ description: "Bot id." }),
      promptIds: t.arg.idList({ description: "Every prompt id of the bot, in the new order.", validate: { schema: v.idList } }),
    },
    resolve: async (query, _root, args, ctx) => {
      const prompts = await ctx.prompts.reorder(actorOf(ctx), args.botId, args.promptIds);
      return ctx.prisma.prompt.findMany({ ...query, where: { id: { in: prompts.map((p) => p.id) } }, orderBy: [{ type: "asc" }, { order: "asc" }] });
    },
  }),
}));
