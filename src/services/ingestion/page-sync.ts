import type { Prisma, PrismaClient } from "@prisma/client";
import { ExtractionError } from "../../../connectors/index.js";
import type { PagesResult } from "./extraction.js";
import { pageDiff, type DiffLine } from "./page-diff.js";
import type { KnownPageState, PageChange, PageOutcome } from "./pages.js";

/**
 * A link's pages between syncs (source_pages) and the history of its syncs
 * (source_syncs): what the next crawl asks the site about, and what an owner
 * reads of what changed.
 */

/** One page of a sync's history: added, changed (with its diff), removed or failed. */
export interface SyncChange {
  url: string;
  change: Exclude<PageChange, "unchanged">;
  error?: string;
  diff?: DiffLine[];
}

/** What a sync changed, for the event that tells other systems. */
export interface SyncSummary {
  syncId: string;
  /** Every page was read as new (a first sync): nothing "changed" to tell. */
  full: boolean;
  added: number;
  changed: number;
  removed: number;
  /** The pages added, changed or removed (at most 100). */
  urls: string[];
}

/** Diffs kept per sync: a site rewritten from top to bottom is counted, and its first pages shown. */
const MAX_DIFFS = 50;

/**
 * The pages the last sync stored, as the crawl asks about them: those whose
 * chunks were made with `chunking` (the model and chunk size configured
 * now). Another model's or size's pages are read and embedded again.
 */
export async function knownPages(prisma: PrismaClient, sourceId: string, chunking: string): Promise<Record<string, KnownPageState>> {
  const rows = await prisma.sourcePage.findMany({
    where: { sourceId, chunking },
    select: { url: true, etag: true, lastModified: true, bodyHash: true, links: true, lastFetchedAt: true, textHash: true, chunkCount: true },
  });
  return Object.fromEntries(
    rows.map((row) => [
      row.url,
      {
        etag: row.etag,
        lastModified: row.lastModified,
        bodyHash: row.bodyHash,
        links: row.links as string[],
        fetchedAt: row.lastFetchedAt.getTime(),
        textHash: row.textHash,
        chunkCount: row.chunkCount,
      },
    ]),
  );
}

/** The source's chunk count after an incremental sync: every page still live, with its chunks. */
export function liveChunkCount(pages: PagesResult): number {
  return pages.outcomes.reduce((sum, o) => sum + (o.change === "removed" ? 0 : o.chunkCount), 0);
}

/**
 * After the new version is live: the pages' new state, and the sync in the
 * history. Written after the switch, never before: pages stored as read
 * while their chunks were not would never be read again.
 */
export async function finishSync(
  prisma: PrismaClient,
  sourceId: string,
  { startedAt, chunking }: { startedAt: Date; chunking: string },
  pages: PagesResult,
  chunksEmbedded: number,
): Promise<SyncSummary> {
  const changes = await savePages(prisma, sourceId, pages, chunking);
  const count = (change: PageChange) => pages.outcomes.filter((o) => o.change === change).length;
  const sync = await prisma.sourceSync.create({
    data: {
      sourceId,
      startedAt,
      succeeded: true,
      full: !pages.incremental,
      pagesFetched: pages.outcomes.filter((o) => o.fetched).length,
      pagesUnchanged: count("unchanged"),
      pagesChanged: count("changed"),
      pagesAdded: count("added"),
      pagesRemoved: count("removed"),
      pagesFailed: count("failed"),
      chunksEmbedded,
      changes: changes as unknown as Prisma.InputJsonValue,
    },
    select: { id: true },
  });
  await pruneHistory(prisma, sourceId);
  const moved = changes.filter((c) => c.change !== "failed");
  return {
    syncId: sync.id,
    full: !pages.incremental,
    added: count("added"),
    changed: count("changed"),
    removed: count("removed"),
    urls: moved.slice(0, 100).map((c) => c.url),
  };
}

/** A sync that failed, in the history (a link's only). */
export async function recordFailedSync(prisma: PrismaClient, sourceId: string, startedAt: Date, error: unknown): Promise<void> {
  const message = error instanceof ExtractionError ? error.message : "An internal error interrupted the sync. Details are in the server log.";
  await prisma.sourceSync.create({ data: { sourceId, startedAt, succeeded: false, error: message } });
  await pruneHistory(prisma, sourceId);
}

/** Syncs kept per source: a link read hourly keeps four days of them, a daily one three months. */
export const HISTORY_KEPT = 100;

async function pruneHistory(prisma: PrismaClient, sourceId: string): Promise<void> {
  await prisma.$executeRaw`
    DELETE FROM source_syncs WHERE source_id = ${sourceId}::uuid AND id NOT IN (
      SELECT id FROM source_syncs WHERE source_id = ${sourceId}::uuid ORDER BY started_at DESC LIMIT ${HISTORY_KEPT})`;
}

/** Stores each page's state as this sync left it; returns the history's list of what changed, with diffs. */
async function savePages(prisma: PrismaClient, sourceId: string, { outcomes, incremental }: PagesResult, chunking: string): Promise<SyncChange[]> {
  const changed = outcomes.filter((o) => o.change === "changed");
  const before = new Map(
    (
      await prisma.sourcePage.findMany({ where: { sourceId, url: { in: changed.slice(0, MAX_DIFFS).map((o) => o.url) } }, select: { url: true, text: true } })
    ).map((p) => [p.url, p.text]),
  );
  const read = outcomes.filter((o) => o.change === "added" || o.change === "changed");
  const now = new Date();
  await prisma.$transaction([
    // A full sync replaces every page; an incremental one drops those gone.
    prisma.sourcePage.deleteMany({
      where: incremental ? { sourceId, url: { in: outcomes.filter((o) => o.change === "removed").map((o) => o.url) } } : { sourceId },
    }),
    ...read.map((o) => {
      const state = {
        etag: o.etag ?? null,
        lastModified: o.lastModified ?? null,
        bodyHash: o.bodyHash ?? null,
        textHash: o.textHash!,
        text: o.text ?? "",
        links: o.links,
        chunkCount: o.chunkCount,
        chunking,
      };
      return prisma.sourcePage.upsert({
        where: { sourceId_url: { sourceId, url: o.url } },
        create: { sourceId, url: o.url, ...state, lastFetchedAt: now, lastChangedAt: now },
        update: { ...state, lastFetchedAt: now, lastChangedAt: now },
      });
    }),
    ...touchUnchanged(prisma, sourceId, outcomes),
  ]);
  return outcomes
    .filter((o): o is PageOutcome & { change: SyncChange["change"] } => o.change !== "unchanged")
    .map((o) => ({
      url: o.url,
      change: o.change,
      ...(o.error && { error: o.error }),
      ...(o.change === "changed" && before.has(o.url) && { diff: pageDiff(before.get(o.url)!, o.text ?? "") }),
    }));
}

/** Unchanged pages asked again: when, and the version the site gave (one statement for a thousand pages). */
function touchUnchanged(prisma: PrismaClient, sourceId: string, outcomes: PageOutcome[]) {
  const asked = outcomes.filter((o) => o.change === "unchanged" && o.fetched);
  if (!asked.length) return [];
  return [
    prisma.$executeRaw`
      UPDATE source_pages p SET last_fetched_at = now(), etag = v.etag, last_modified = v.last_modified, body_hash = v.body_hash, links = v.links::jsonb
      FROM unnest(${asked.map((o) => o.url)}::text[], ${asked.map((o) => o.etag ?? null)}::text[], ${asked.map((o) => o.lastModified ?? null)}::text[],
                  ${asked.map((o) => o.bodyHash ?? null)}::text[], ${asked.map((o) => JSON.stringify(o.links))}::text[]) AS v(url, etag, last_modified, body_hash, links)
      WHERE p.source_id = ${sourceId}::uuid AND p.url = v.url`,
  ];
}
