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
    lastActivityAt: new DataLoader<string, Date | null>(async (botIds) => {
      const rows = await prisma.chatSession.groupBy({ by: ["botId"], where: { botId: { in: [...botIds] } }, _max: { lastActivityAt: true } });
      const byBot = new Map(rows.map((r) => [r.botId, r._max.lastActivityAt]));
      return botIds.map((id) => byBot.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
