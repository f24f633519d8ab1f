import type { DiffLine as DiffLineShape } from "../services/ingestion/page-diff.js";
import type { SyncChange as SyncChangeShape } from "../services/ingestion/page-sync.js";
import { builder } from "./builder.js";

const PageChange = builder.enumType("PageChange", {
  description: "What a sync found of one page.",
  values: {
    ADDED: { value: "added", description: "New since the last sync: read and embedded." },
    CHANGED: { value: "changed", description: "Its text changed: read and embedded again (see diff)." },
    REMOVED: { value: "removed", description: "Gone (404 or 410), or no longer reached by the crawl: its chunks went." },
    FAILED: { value: "failed", description: "Could not be read this time: its last version keeps answering." },
  } as const,
});

const DiffLineKind = builder.enumType("DiffLineKind", {
  description: "A line of a page's diff.",
  values: {
    ADDED: { value: "added", description: "In the new text only." },
    REMOVED: { value: "removed", description: "In the old text only." },
    CONTEXT: { value: "context", description: "Unchanged, shown around a change." },
    SKIPPED: { value: "skipped", description: "Unchanged lines left out; the text says how many." },
  } as const,
});

const DiffLine = builder.objectRef<DiffLineShape>("DiffLine").implement({
  description: "One line of a changed page's text, old or new.",
  fields: (t) => ({
    kind: t.field({ type: DiffLineKind, description: "Added, removed, context or skipped.", resolve: (l) => l.kind }),
    text: t.exposeString("text", { description: "The line (a paragraph of the page's text)." }),
  }),
});

const SyncPageChange = builder.objectRef<SyncChangeShape>("SyncPageChange").implement({
  description: "A page a sync added, changed, removed or could not read.",
  fields: (t) => ({
    url: t.exposeString("url", { description: "The page's address." }),
    change: t.field({ type: PageChange, description: "What became of it.", resolve: (c) => c.change }),
    error: t.string({ nullable: true, description: "Why it was removed or could not be read.", resolve: (c) => c.error ?? null }),
    diff: t.field({
      type: [DiffLine],
      nullable: true,
      description: "For a changed page: the lines that changed, with two lines of context (the first 50 changed pages of a sync, 300 lines each).",
      // The cost limit's guess of its length: most changes are a few lines.
      extensions: { listSize: 20 },
      resolve: (c) => c.diff ?? null,
    }),
  }),
});

export const SourceSync = builder.prismaObject("SourceSync", {
  // Reached only through its Source, whose bot is checked; checked again here wherever it is reached.
  authScopes: async (sync, ctx) => ({ bot: (await ctx.loaders.sourceBot.load(sync.sourceId)) ?? "" }),
  description: "One read of a link source: when, how long, and which pages it found added, changed or removed.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The sync's id." }),
    startedAt: t.expose("startedAt", { type: "DateTime", description: "When it started." }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", description: "When it ended." }),
    durationMs: t.int({ description: "How long it took, ms.", resolve: (s) => s.finishedAt.getTime() - s.startedAt.getTime() }),
    succeeded: t.exposeBoolean("succeeded", { description: "False: it failed (see error), and the source's last version kept answering." }),
    full: t.exposeBoolean("full", {
      description: "Every page read and embedded (the first sync, or a new model or chunking); false: only what changed since the last one.",
    }),
    error: t.exposeString("error", { nullable: true, description: "Why it failed." }),
    pagesFetched: t.exposeInt("pagesFetched", { description: "Pages asked of the site (a 304 Not Modified included)." }),
    pagesUnchanged: t.exposeInt("pagesUnchanged", { description: "Pages unchanged: 304, the same text, or dated before the last read by the sitemap." }),
    pagesChanged: t.exposeInt("pagesChanged", { description: "Pages whose text changed." }),
    pagesAdded: t.exposeInt("pagesAdded", { description: "Pages new since the last sync." }),
    pagesRemoved: t.exposeInt("pagesRemoved", { description: "Pages gone since the last sync." }),
    pagesFailed: t.exposeInt("pagesFailed", { description: "Pages that could not be read (their last version kept)." }),
    chunksEmbedded: t.exposeInt("chunksEmbedded", { description: "Chunks embedded: those of the added and changed pages only." }),
    changes: t.field({
      type: [SyncPageChange],
      description: "The pages added, changed, removed or failed, with a diff for each changed one.",
      // The cost limit's guess of its length: most syncs change a few pages of a site.
      extensions: { listSize: 20 },
      resolve: (s) => s.changes as unknown as SyncChangeShape[],
    }),
  }),
});

builder.prismaObjectFields("Source", (t) => ({
  syncs: t.relatedConnection("syncs", {
    description: "For links: its syncs, newest first (what each found changed); the last 100 are kept.",
    cursor: "id",
    totalCount: true,
    query: { orderBy: [{ startedAt: "desc" }, { id: "desc" }] },
  }),
}));
