import type { PrismaClient, SyncStatus } from "@prisma/client";
import DataLoader from "dataloader";

export type SourceCounts = Record<"total" | Lowercase<SyncStatus>, number>;

/**
 * Per-request batch loaders for aggregates that Prisma relations cannot
 * include: listing N bots costs one grouped query per aggregate, not N.
 */
export function createLoaders(prisma: PrismaClient) {
  return {
    sourceCounts: new DataLoader<string, SourceCounts>(async (botIds) => {
      const rows = await prisma.source.groupBy({ by: ["botId", "syncStatus"], where: { botId: { in: [...botIds] } }, _count: { _all: true } });
      return botIds.map((botId) => {
        const counts: SourceCounts = { total: 0, pending: 0, processing: 0, synced: 0, error: 0 };
        for (const row of rows) {
          if (row.botId !== botId) continue;
          counts[row.syncStatus.toLowerCase() as Lowercase<SyncStatus>] = row._count._all;
          counts.total += row._count._all;
        }
        return counts;
      });
    }),
    chunkCount: new DataLoader<string, number>(async (botIds) => {
      // The sources' counts, not the chunks': a source being re-ingested has a second, unseen generation.
      const rows = await prisma.source.groupBy({ by: ["botId"], where: { botId: { in: [...botIds] } }, _sum: { chunkCount: true } });
      const byBot = new Map(rows.map((r) => [r.botId, r._sum.chunkCount ?? 0]));
      return botIds.map((id) => byBot.get(id) ?? 0);
    }),
    /** The ids of a bot's conversations waiting for a person, first come first: a place in the queue is an index here. */
    waitingQueue: new DataLoader<string, string[]>(async (botIds) => {
      const rows = await prisma.chatSession.findMany({
        where: { botId: { in: [...botIds] }, handoffState: "WAITING" },
        orderBy: [{ handoffRequestedAt: "asc" }, { id: "asc" }],
        select: { id: true, botId: true },
      });
      return botIds.map((botId) => rows.filter((r) => r.botId === botId).map((r) => r.id));
    }),
    /** The workspace a webhook endpoint belongs to (null: no such endpoint). */
    webhookWorkspace: new DataLoader<string, string | null>(async (endpointIds) => {
      const rows = await prisma.webhookEndpoint.findMany({ where: { id: { in: [...endpointIds] } }, select: { id: true, workspaceId: true } });
      const byId = new Map(rows.map((r) => [r.id, r.workspaceId]));
      return endpointIds.map((id) => byId.get(id) ?? null);
    }),
    /** The workspace a bot belongs to (null: no such bot), for checking who may read its rows. */
    botWorkspace: new DataLoader<string, string | null>(async (botIds) => {
      const rows = await prisma.bot.findMany({ where: { id: { in: [...botIds] } }, select: { id: true, workspaceId: true } });
      const byId = new Map(rows.map((r) => [r.id, r.workspaceId]));
      return botIds.map((id) => byId.get(id) ?? null);
    }),
    /** The bot a source belongs to (null: no such source). */
    sourceBot: new DataLoader<string, string | null>(async (sourceIds) => {
      const rows = await prisma.source.findMany({ where: { id: { in: [...sourceIds] } }, select: { id: true, botId: true } });
      const byId = new Map(rows.map((r) => [r.id, r.botId]));
      return sourceIds.map((id) => byId.get(id) ?? null);
    }),
    /** The bot a conversation belongs to (null: no such conversation). */
    sessionBot: new DataLoader<string, string | null>(async (sessionIds) => {
      const rows = await prisma.chatSession.findMany({ where: { id: { in: [...sessionIds] } }, select: { id: true, botId: true } });
      const byId = new Map(rows.map((r) => [r.id, r.botId]));
      return sessionIds.map((id) => byId.get(id) ?? null);
    }),
    /** The bot a gap topic belongs to. */
    gapTopicBot: new DataLoader<string, string>(async (topicIds) => {
      const rows = await prisma.gapTopic.findMany({ where: { id: { in: [...topicIds] } }, select: { id: true, botId: true } });
      const byId = new Map(rows.map((r) => [r.id, r.botId]));
      return topicIds.map((id) => byId.get(id) ?? "");
    }),
    /** The bot a check run belongs to. */
    checkRunBot: new DataLoader<string, string>(async (runIds) => {
      const rows = await prisma.checkRun.findMany({ where: { id: { in: [...runIds] } }, select: { id: true, botId: true } });
      const byId = new Map(rows.map((r) => [r.id, r.botId]));
      return runIds.map((id) => byId.get(id) ?? "");
    }),
    /** The workspaces a user belongs to. */
    userWorkspaces: new DataLoader<string, string[]>(async (userIds) => {
      const rows = await prisma.membership.findMany({ where: { userId: { in: [...userIds] } }, select: { userId: true, workspaceId: true } });
      return userIds.map((id) => rows.filter((r) => r.userId === id).map((r) => r.workspaceId));
    }),
    lastActivityAt: new DataLoader<string, Date | null>(async (botIds) => {
      const rows = await prisma.chatSession.groupBy({ by: ["botId"], where: { botId: { in: [...botIds] } }, _max: { lastActivityAt: true } });
      const byBot = new Map(rows.map((r) => [r.botId, r._max.lastActivityAt]));
      return botIds.map((id) => byBot.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
