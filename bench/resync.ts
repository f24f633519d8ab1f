/**
 * npm run bench:resync — a 1,000-page site read once, then read again after
 * 10 of its pages changed: the re-sync's time beside the first sync's (the
 * goal: at most a tenth), in two cases of how sites answer:
 *   - with ETags: unchanged pages answer 304 Not Modified (no body, no
 *     extraction, no embedding);
 *   - without validators: every page is sent again, and the hash of its
 *     bytes says it is unchanged (no extraction, no embedding; a page whose
 *     bytes change but not its text is caught by its text's hash).
 * The floor beside them: the same 1,000 requests with nothing else done
 * (conditional GETs, then full GETs), from this process to the loopback site.
 * Parley runs as a process of its own on the embedded default
 * (PGlite, embedded embedder), the site on loopback; the sync is timed from
 * the request to SYNCED as the API reports it.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createTenant, graphqlAt, spawnParley, startedAt } from "./api.js";
import { prose } from "./corpus.js";

const PAGES = Number(process.env.BENCH_PAGES ?? 1000);
const CHANGED = 10;

interface Site {
  origin: string;
  pages: string[];
  etags: boolean;
  server: Server;
}

async function serveSite(etags: boolean): Promise<Site> {
  const pages = Array.from({ length: PAGES }, (_, i) => page(i, 0));
  const sitemap = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${pages.map((_, i) => `<url><loc>ORIGIN/p/${i}</loc></url>`).join("")}</urlset>`;
  const server = createServer((request, response) => {
    const url = request.url ?? "/";
    if (url === "/sitemap.xml") return response.writeHead(200, { "content-type": "application/xml" }).end(sitemap.replaceAll("ORIGIN", site.origin));
    if (url === "/robots.txt") return response.writeHead(404).end();
    const body = site.pages[Number(url.split("/")[2])];
    if (body === undefined) return response.writeHead(404).end();
    const etag = `"${createHash("sha1").update(body).digest("hex")}"`;
    if (etags && request.headers["if-none-match"] === etag) return response.writeHead(304, { etag }).end();
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", ...(etags && { etag }) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const site: Site = { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pages, etags, server };
  return site;
}

function page(i: number, edition: number): string {
  return `<html><head><title>Page ${i}</title></head><body><main><h1>Page ${i}</h1><p>${prose(1500, i * 7919 + edition)}</p><p>Edition ${edition}.</p></main></body></html>`;
}

/** The same requests the crawl makes, and nothing else: what a re-sync cannot go below. */
async function requestFloor(site: Site, conditional: boolean): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < PAGES; i++) {
    const body = site.pages[i]!;
    const etag = `"${createHash("sha1").update(body).digest("hex")}"`;
    const response = await fetch(`${site.origin}/p/${i}`, { headers: conditional ? { "if-none-match": etag } : {} });
    await response.text();
  }
  return performance.now() - started;
}

async function measure(etags: boolean) {
  const site = await serveSite(etags);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "parley-bench-resync-"));
  const server = spawnParley({ dataDir, env: { ALLOW_PRIVATE_URLS: "true" } });
  try {
    const gql = graphqlAt(await startedAt(server));
    const { token, botId } = await createTenant(gql, `resync${etags ? "etag" : "plain"}`);
    const settled = async (id: string, after: string | null) => {
      for (;;) {
        const { source } = await gql<{ source: { syncStatus: string; lastSyncedAt: string | null; lastError: string | null } }>(
          `query($id: ID!) { source(id: $id) { syncStatus lastSyncedAt lastError } }`,
          { id },
          token,
        );
        if (source.syncStatus === "ERROR") throw new Error(source.lastError ?? "the sync failed");
        if (source.syncStatus === "SYNCED" && source.lastSyncedAt !== after) return source.lastSyncedAt;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    let started = performance.now();
    const { addLinkSource } = await gql<{ addLinkSource: { id: string } }>(
      `mutation($b: ID!, $u: String!, $n: Int!) { addLinkSource(botId: $b, link: { url: $u, sitemap: true, maxPages: $n }) { id } }`,
      { b: botId, u: `${site.origin}/`, n: PAGES },
      token,
    );
    const at = await settled(addLinkSource.id, null);
    const first = performance.now() - started;

    for (let i = 0; i < CHANGED; i++) site.pages[i * Math.floor(PAGES / CHANGED)] = page(i * Math.floor(PAGES / CHANGED), 1);
    started = performance.now();
    await gql(`mutation($id: ID!) { resyncSource(id: $id) { id } }`, { id: addLinkSource.id }, token);
    await settled(addLinkSource.id, at);
    const again = performance.now() - started;
    const { source } = await gql<{ source: { syncs: { edges: { node: Record<string, number> }[] } } }>(
      `query($id: ID!) { source(id: $id) { syncs(first: 1) { edges { node { pagesFetched pagesUnchanged pagesChanged chunksEmbedded } } } } }`,
      { id: addLinkSource.id },
      token,
    );
    const floor = await requestFloor(site, etags);
    return { first, again, floor, sync: source.syncs.edges[0]!.node };
  } finally {
    server.kill();
    site.server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log(`A ${PAGES}-page site (sitemap), ${CHANGED} pages changed between two syncs; Parley on the embedded default.\n`);
for (const etags of [true, false]) {
  const { first, again, floor, sync } = await measure(etags);
  const share = ((again / first) * 100).toFixed(1);
  console.log(`${etags ? "with ETags (304s)" : "without validators (the same bytes)"}:`);
  console.log(`  first sync ${seconds(first)}; re-sync ${seconds(again)} = ${share}% of it (goal ≤ 10%)`);
  console.log(
    `  re-sync: ${sync.pagesFetched} pages asked, ${sync.pagesUnchanged} unchanged, ${sync.pagesChanged} changed, ${sync.chunksEmbedded} chunks embedded`,
  );
  console.log(`  floor: the same ${PAGES} ${etags ? "conditional " : ""}requests alone ${seconds(floor)}\n`);
}
