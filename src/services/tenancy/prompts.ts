import type { Prisma, PrismaClient, Prompt, PromptType } from "@prisma/client";
import { authorizeBotChild, EDITOR, type Actor } from "../access/access.js";
import type { BotService } from "./bots.js";
import { assertId, badInput } from "../errors.js";
import { userTemplateProblem } from "../validation.js";

export interface PromptInput {
  type?: PromptType | null;
  name?: string | null;
  text?: string | null;
  isActive?: boolean | null;
}

export function createPromptService({ prisma, bots }: { prisma: PrismaClient; bots: BotService }) {
  async function load(actor: Actor, promptId: string): Promise<Prompt> {
    const prompt = await prisma.prompt.findUnique({ where: { id: assertId(promptId, "prompt") }, include: { bot: { select: { workspaceId: true } } } });
    return authorizeBotChild(actor, prompt, "Prompt");
  }

  function checkTemplate(type: PromptType, text: string) {
    if (type !== "USER_TEMPLATE") return;
    const problem = userTemplateProblem(text);
    if (problem) throw badInput(problem, "text");
  }

  /** A bot has one user template in use: activating one retires the others. */
  async function retireOtherTemplates(tx: Prisma.TransactionClient, botId: string, keep: string) {
    await tx.prompt.updateMany({ where: { botId, type: "USER_TEMPLATE", isActive: true, id: { not: keep } }, data: { isActive: false } });
  }

  return {
    async create(actor: Actor, botId: string, input: PromptInput & { type: PromptType; text: string }): Promise<Prompt> {
      const bot = await bots.load(actor, botId, EDITOR);
      checkTemplate(input.type, input.text);
      return prisma.$transaction(async (tx) => {
        const last = await tx.prompt.aggregate({ where: { botId: bot.id, type: input.type }, _max: { order: true } });
        const prompt = await tx.prompt.create({
          data: {
            botId: bot.id,
            type: input.type,
            name: input.name || null,
            text: input.text,
            isActive: input.isActive ?? true,
            order: (last._max.order ?? -1) + 1,
          },
        });
        if (prompt.type === "USER_TEMPLATE" && prompt.isActive) await retireOtherTemplates(tx, bot.id, prompt.id);
        return prompt;
      });
    },

    async update(actor: Actor, promptId: string, input: PromptInput): Promise<Prompt> {
      const prompt = await load(actor, promptId);
      const type = input.type ?? prompt.type;
      checkTemplate(type, input.text ?? prompt.text);
      return prisma.$transaction(async (tx) => {
        const updated = await tx.prompt.update({
          where: { id: prompt.id },
          data: {
            ...(input.type != null && { type: input.type }),
            ...(input.name !== undefined && { name: input.name || null }),
            ...(input.text != null && { text: input.text }),
            ...(input.isActive != null && { isActive: input.isActive }),
          },
        });
        if (updated.type === "USER_TEMPLATE" && updated.isActive) await retireOtherTemplates(tx, updated.botId, updated.id);
        return updated;
      });
    },

    async delete(actor: Actor, promptId: string): Promise<Prompt> {
      const prompt = await load(actor, promptId);
      await prisma.prompt.delete({ where: { id: prompt.id } });
      return prompt;
    },

    /** Sets the order of a bot's prompts to that of `promptIds`, which must list each of them once. */
    async reorder(actor: Actor, botId: string, promptIds: string[]): Promise<Prompt[]> {
      const bot = await bots.load(actor, botId, EDITOR);
      const ids = promptIds.map((id) => assertId(id, "prompt"));
      const existing = await prisma.prompt.findMany({ where: { botId: bot.id }, select: { id: true } });
      const known = new Set(existing.map((p) => p.id));
      if (new Set(ids).size !== ids.length || ids.length !== known.size || !ids.every((id) => known.has(id))) {
        throw badInput("promptIds must list every prompt of the bot exactly once.", "promptIds");
      }
      await prisma.$transaction(ids.map((id, order) => prisma.prompt.update({ where: { id }, data: { order } })));
      return prisma.prompt.findMany({ where: { botId: bot.id }, orderBy: [{ order: "asc" }, { createdAt: "asc" }] });
    },
  };
}

export type PromptService = ReturnType<typeof createPromptService>;
