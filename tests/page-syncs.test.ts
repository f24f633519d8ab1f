import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "@jest/globals";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";
import { serveSite } from "./helpers/site.js";
import { waitForSource } from "./helpers/sources.js";
import { storeChunks } from "../src/services/ingestion/ingestion.js";
import { HISTORY_KEPT, recordFailedSync } from "../src/services/ingestion/page-sync.js";
import type { BotEvent } from "../src/services/bot-events.js";

/*
 * A link read again on its schedule asks the site only for what changed:
 * a page answering 304 costs no body, a page with the same text no
 * embedding (its chunks stay, the same rows), and changed, added and
 * removed pages are reflected; the sync's history and diff say exactly
 * what changed, and readers see one version or the other, never a mix.
 */

const ENV = { ALLOW_PRIVATE_URLS: "true", CHUNK_SIZE: "200", CHUNK_OVERLAP: "0" };

const html = (title: string, body: string) => `<html><head><title>${title}</title></head><body><main>${body}</main></body></html>`;

/** A small shop's site, which answers If-None-Match with 304 on every page but /delivery. */
function shopSite() {
  const pages: Record<string, string> = {
    "/": html(
      "Garden shop",
      `<h1>Garden shop</h1><p>Plants and tools for small gardens.</p><a href="/returns">Returns</a> <a href="/hours">Hours</a> <a href="/repairs">Repairs</a> <a href="/delivery">Delivery</a>`,
    ),
    "/returns": html("Returns", "<h1>Returns</h1><p>Unused tools can be returned within 30 days with the receipt.</p><p>Plants cannot be returned.</p>"),
    "/hours": html("Hours", "<h1>Opening hours</h1><p>The shop opens at nine on weekdays and at ten on Saturdays.</p>"),
    "/repairs": html("Repairs", "<h1>Repairs</h1><p>Lawn mowers are repaired in the back workshop within a week.</p>"),
    "/delivery": html("Delivery", "<h1>Delivery</h1><p>Orders above 50 euros are delivered free within 20 km.</p>"),
  };
  const log: { path: string; status: number }[] = [];
  const route = (url: URL, request: IncomingMessage) => {
    const body = pages[url.pathname];
    if (body === undefined) return (log.push({ path: url.pathname, status: 404 }), { status: 404, body: "<h1>Not found</h1>" });
    // No validators, and different bytes each time (a comment with the time): only its text says it is unchanged.
    if (url.pathname === "/delivery") return (log.push({ path: url.pathname, status: 200 }), { body: `${body}<!-- ${performance.now()} -->` });
    const etag = `"${createHash("sha1").update(body).digest("hex").slice(0, 16)}"`;
    const status = request.headers["if-none-match"] === etag ? 304 : 200;
    log.push({ path: url.pathname, status });
    return { status, headers: { etag }, body: status === 304 ? "" : body };
  };
  return { pages, log, routes: Object.fromEntries(["/", "/returns", "/hours", "/repairs", "/delivery", "/gifts"].map((path) => [path, route])) };
}

/**
 * The shop's site on loopback, an owner with a bot, and the site added as a
 * link (`link` adds to its crawl settings), read once.
 */
async function shopLink(link = "maxDepth: 1") {
  const site = shopSite();
  const { origin } = await serveSite(site.routes);
  const t = await startApp(ENV);
  const owner = await signUp(t.url);
  const botId = await createBot(t.url, owner);
  const as = (query: string, variables: Record<string, unknown>) => gqlRaw(t.url, query, variables, owner.headers);
  const added = await as(`mutation($b: ID!, $u: String!) { addLinkSource(botId: $b, link: { url: $u, ${link} }) { id } }`, { b: botId, u: `${origin}/` });
  const sourceId = added.data!.addLinkSource.id as string;
  await waitForSource(t, sourceId, (s) => s.syncStatus === "SYNCED");
  return { site, origin, t, owner, botId, as, sourceId, prisma: t.app.services.db.prisma };
}

const SYNCS = `query($id: ID!) { source(id: $id) { chunkCount syncs(first: 5) { totalCount edges { node {
  succeeded full pagesFetched pagesUnchanged pagesChanged pagesAdded pagesRemoved pagesFailed chunksEmbedded durationMs
  changes { url change error diff { kind text } } } } } } }`;

describe("syncs that skip what did not change", () => {
  it("re-reads a site on its schedule: 304s and same texts cost nothing, changes are reflected, the history and diff say what changed", async () => {
    const { site, origin, t, botId, as, sourceId, prisma } = await shopLink('maxDepth: 1, maxPages: 10, schedule: "daily"');
    const events: BotEvent[] = [];
    t.app.services.botEvents.subscribe((event) => events.push(event));
    const firstResponse = await as(SYNCS, { id: sourceId });
    expect(firstResponse.errors).toBeUndefined();
    const first = firstResponse.data!.source;
    expect(first.syncs.totalCount).toBe(1);
    expect(first.syncs.edges[0].node).toMatchObject({
      succeeded: true,
      full: true,
      pagesFetched: 5,
      pagesAdded: 5,
      pagesUnchanged: 0,
      chunksEmbedded: first.chunkCount,
    });
    const kept = async (path: string) =>
      (await prisma.chunk.findMany({ where: { sourceId, pageUrl: `${origin}${path}` }, select: { id: true }, orderBy: { id: "asc" } })).map((c) => c.id);
    const before = { hours: await kept("/hours"), delivery: await kept("/delivery") };
    expect(before.hours.length).toBeGreaterThan(0);

    // Between the syncs: returns change, repairs are gone (404), a gift page is new (so the home page links to it).
    site.pages["/returns"] = site.pages["/returns"]!.replace("within 30 days", "within 60 days");
    delete site.pages["/repairs"];
    site.pages["/gifts"] = html("Gift cards", "<h1>Gift cards</h1><p>Gift cards of 10 to 100 euros never expire.</p>");
    site.pages["/"] = site.pages["/"]!.replace('<a href="/delivery">Delivery</a>', '<a href="/delivery">Delivery</a> <a href="/gifts">Gifts</a>');
    site.log.length = 0;

    // Due now: the scheduler queues it.
    await prisma.source.update({ where: { id: sourceId }, data: { nextSyncAt: new Date(Date.now() - 1000) } });
    expect(await t.app.services.syncScheduler.runDue()).toEqual([sourceId]);
    const synced = await waitForSource(t, sourceId, (s) => s.syncStatus === "SYNCED" && s.generation > 1);

    // The site was asked for each page once; the unchanged /hours answered 304 (no body).
    expect(site.log.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: "/", status: 200 },
      { path: "/delivery", status: 200 },
      { path: "/gifts", status: 200 },
      { path: "/hours", status: 304 },
      { path: "/repairs", status: 404 },
      { path: "/returns", status: 200 },
    ]);
    // Unchanged pages keep the very rows they had: nothing embedded or stored for them.
    expect({ hours: await kept("/hours"), delivery: await kept("/delivery") }).toEqual(before);
    expect(await kept("/repairs")).toEqual([]);

    const { source } = (await as(SYNCS, { id: sourceId })).data!;
    expect(source.syncs.totalCount).toBe(2);
    const latest = source.syncs.edges[0].node;
    const changes = [...latest.changes].sort((a: { url: string }, b: { url: string }) => a.url.localeCompare(b.url));
    expect(latest).toMatchObject({
      succeeded: true,
      full: false,
      pagesFetched: 6,
      pagesUnchanged: 2,
      pagesChanged: 2,
      pagesAdded: 1,
      pagesRemoved: 1,
      pagesFailed: 0,
    });
    expect(changes.map((c: { url: string; change: string }) => [c.url.slice(origin.length), c.change])).toEqual([
      ["/", "CHANGED"],
      ["/gifts", "ADDED"],
      ["/repairs", "REMOVED"],
      ["/returns", "CHANGED"],
    ]);
    const returns = changes.find((c: { url: string }) => c.url.endsWith("/returns"));
    expect(returns.diff.filter((l: { kind: string }) => l.kind === "ADDED" || l.kind === "REMOVED")).toEqual([
      { kind: "REMOVED", text: "Unused tools can be returned within 30 days with the receipt." },
      { kind: "ADDED", text: "Unused tools can be returned within 60 days with the receipt." },
    ]);
    // Only the changed and added pages were embedded; the count is the chunks readers see.
    const newRows = await prisma.chunk.count({ where: { sourceId, generation: synced.generation } });
    expect(latest.chunksEmbedded).toBe(newRows);
    const visible = await t.app.services.retrieval.retrieve(botId, "returns gift cards repairs hours delivery", { topK: 50, minSimilarity: -1 });
    expect(visible).toHaveLength(source.chunkCount);
    const text = visible.map((c) => c.content).join(" ");
    expect(text).toContain("within 60 days");
    expect(text).toContain("never expire");
    expect(text).not.toContain("within 30 days");
    expect(text).not.toContain("Lawn mowers");
    expect(await prisma.chunk.count({ where: { sourceId } })).toBe(source.chunkCount);

    // Other systems hear which pages changed.
    const changed = events.filter((e) => e.type === "source.changed");
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ sourceId, added: 1, changed: 2, removed: 1 });

    // Nothing changed since: the next sync embeds nothing and says so; the home page's link to /repairs is broken.
    site.log.length = 0;
    await prisma.source.update({ where: { id: sourceId }, data: { nextSyncAt: new Date(Date.now() - 1000) } });
    await t.app.services.syncScheduler.runDue();
    const third = await waitForSynced(as, sourceId, 3);
    expect(site.log.filter((l) => l.status === 200).map((l) => l.path)).toEqual(["/delivery"]);
    expect(third).toMatchObject({ full: false, pagesFetched: 6, pagesUnchanged: 5, pagesFailed: 1, chunksEmbedded: 0 });
    expect(third.changes).toEqual([{ url: `${origin}/repairs`, change: "FAILED", error: `${origin}/repairs answered 404 Not Found.`, diff: null }]);
    expect(await kept("/hours")).toEqual(before.hours);
  });

  it("keeps readers on the old version while a sync's new chunks are written, and moves them to the new one at once", async () => {
    const { origin, t, botId, sourceId } = await shopLink();
    const prisma = t.app.services.db.prisma;
    const seen = async () =>
      (await t.app.services.retrieval.retrieve(botId, "returns repairs", { topK: 50, minSimilarity: -1 })).map((c) => c.content).join(" ");

    // An incremental version that replaces /returns and drops /repairs, stored one chunk per batch, paused after the first.
    const source = await prisma.source.findUniqueOrThrow({ where: { id: sourceId } });
    const url = `${origin}/returns`;
    const drafts = [0, 1].map((index) => ({ content: `Returns are now accepted within 60 days (${index}).`, index, metadata: { source: "site", url } }));
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let batches = 0;
    let reachedPause!: () => void;
    const atPause = new Promise<void>((resolve) => (reachedPause = resolve));
    const storing = storeChunks(
      t.app.services.db,
      source,
      drafts,
      new Float32Array(2 * 384).fill(0.05),
      {
        contentHash: "v2",
        title: null,
        embeddingModel: source.embeddingModel!,
        pages: { retire: [url, `${origin}/repairs`], chunkCount: source.chunkCount },
      },
      {
        batchSize: 1,
        beforeBatch: async () => {
          if (++batches === 3) {
            reachedPause();
            await paused;
          }
        },
      },
    );
    await atPause;
    // Half of the new version is written: readers see the old one whole.
    const during = await seen();
    expect(during).toContain("within 30 days");
    expect(during).toContain("Lawn mowers");
    expect(during).not.toContain("60 days");
    resume();
    await storing;
    const after = await seen();
    expect(after).toContain("within 60 days (0)");
    expect(after).toContain("within 60 days (1)");
    expect(after).not.toContain("within 30 days");
    expect(after).not.toContain("Lawn mowers");
    expect(after).toContain("opens at nine");

    // The history keeps the newest syncs only.
    const old = Array.from({ length: HISTORY_KEPT + 4 }, (_, i) => ({ sourceId, startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)), succeeded: true }));
    await prisma.sourceSync.createMany({ data: old });
    await recordFailedSync(prisma, sourceId, new Date(), new Error("a failure"));
    expect(await prisma.sourceSync.count({ where: { sourceId } })).toBe(HISTORY_KEPT);
    expect(await prisma.sourceSync.findFirst({ where: { sourceId }, orderBy: { startedAt: "desc" } })).toMatchObject({ succeeded: false });
  });
});

describe("a sync after the chunking changed", () => {
  it("reads and embeds every page again, not only those the site says changed", async () => {
    const { site, t, owner, sourceId } = await shopLink();
    await t.stop();

    // Restarted with larger chunks: the pages' chunks were made with the old size.
    const again = await startApp({ ...ENV, CHUNK_SIZE: "400", DATA_DIR: t.dataDir });
    const asAgain = (query: string, variables: Record<string, unknown>) => gqlRaw(again.url, query, variables, owner.headers);
    site.log.length = 0;
    await asAgain(`mutation($id: ID!) { resyncSource(id: $id) { id } }`, { id: sourceId });
    const sync = await waitForSynced(asAgain, sourceId, 2);
    expect(site.log.every((l) => l.status === 200)).toBe(true);
    expect(sync).toMatchObject({ full: true, pagesFetched: 5, pagesAdded: 5, pagesUnchanged: 0 });
  });
});

/** The source's newest sync, once there are `count`. */
async function waitForSynced(as: (q: string, v: Record<string, unknown>) => ReturnType<typeof gqlRaw>, id: string, count: number) {
  for (let i = 0; i < 200; i++) {
    const { source } = (await as(SYNCS, { id })).data!;
    if (source.syncs.totalCount >= count) return source.syncs.edges[0].node;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`source ${id} has fewer than ${count} syncs`);
}
