import type { PrismaClient } from "@prisma/client";

/** A workspace of `count` bots, each with one text source for a bench's chunks to hang off. */
export async function benchBots(prisma: PrismaClient, count: number): Promise<{ workspaceId: string; owners: { botId: string; sourceId: string }[] }> {
  const workspace = await prisma.workspace.create({ data: { name: "bench" } });
  const owners: { botId: string; sourceId: string }[] = [];
  for (let b = 0; b < count; b++) {
    const { id: botId } = await prisma.bot.create({ data: { workspaceId: workspace.id, name: `bench ${b}` } });
    const { id: sourceId } = await prisma.source.create({ data: { botId, kind: "TEXT", connector: "text", name: "corpus" } });
    owners.push({ botId, sourceId });
  }
  return { workspaceId: workspace.id, owners };
}
