import { createHash } from "node:crypto";
import { htmlToSections, parseHtml } from "../html.js";
import { defineConnector, ExtractionError, type ExtractContext, type PageVisit, type Section } from "../types.js";
import { fetchText, parseHttpUrl } from "./fetch.js";
import { ALLOW_ALL, fetchRobots } from "./robots.js";

/** Options of a link source (stored on the source). */
export interface WebOptions {
  /** How many links deep to follow from the first page, on the same site. 0: only that page. */
  maxDepth?: number;
  /** Most pages read in all. */
  maxPages?: number;
  /** Read the pages a sitemap lists instead of following links: true for /sitemap.xml, or its URL. */
  sitemap?: boolean | string;
}

const HTML = /^(text\/html|application\/xhtml\+xml)$/;
const PAGE = /^(text\/html|application\/xhtml\+xml|text\/plain)$/;
const XML = /^(application\/xml|text\/xml|application\/rss\+xml)$/;
/** Links to these are files, not pages: not worth a request. */
const NOT_A_PAGE = /\.(png|jpe?g|gif|webp|svg|ico|pdf|zip|gz|tar|mp[34]|mov|avi|woff2?|ttf|css|js|json|xml|docx?|xlsx?|pptx?)$/i;

export const web = defineConnector({
  name: "web",
  kind: "LINK",
  label: "web pages (http/https links)",
  accepts: ({ kind }) => kind === "LINK",
  async extract(input, context) {
    if (!input.url) throw new ExtractionError("A link source needs a URL.");
    const start = parseHttpUrl(input.url);
    const options = (input.options ?? {}) as WebOptions;
    const maxPages = Math.max(1, Math.min(options.maxPages ?? (options.sitemap || options.maxDepth ? 20 : 1), MAX_PAGES));
    const maxDepth = Math.max(0, Math.min(options.maxDepth ?? 0, 5));

    // A crawl reads only what the site's robots.txt allows; the one page a tenant names is read as asked.
    const crawling = Boolean(options.sitemap) || maxDepth > 0;
    const robots = crawling ? await fetchRobots(start, context) : ALLOW_ALL;
    const allowed = (url: string) => robots.allows(new URL(url));
    const listed = options.sitemap
      ? await sitemapUrls(typeof options.sitemap === "string" ? options.sitemap : new URL("/sitemap.xml", start).href, start, context)
      : [];
    const queue: Queued[] = options.sitemap
      ? listed.filter(({ url }) => allowed(url)).map(({ url, lastmod }) => ({ url, depth: maxDepth, lastmod }))
      : [{ url: start.href, depth: 0 }];
    if (options.sitemap && !listed.length) throw new ExtractionError("The sitemap lists no pages of this site.");
    if (!queue.length) throw new ExtractionError("The site's robots.txt does not allow Parley to read any page its sitemap lists.");
    const seen = new Set(queue.map((q) => q.url));
    const follow = (links: string[], depth: number) => {
      if (depth >= maxDepth) return;
      for (const link of links) {
        if (seen.has(link) || !allowed(link)) continue;
        seen.add(link);
        queue.push({ url: link, depth: depth + 1 });
      }
    };
    const crawl: Crawl = { sections: [], pages: [] };
    // A few pages in flight at once (a crawler's usual courtesy), taken in queue order: the same site reads the same way.
    const inFlight: { next: Queued; read: Promise<PageRead> }[] = [];
    while ((queue.length || inFlight.length) && crawl.pages.length < maxPages) {
      while (inFlight.length < CONCURRENT_PAGES && queue.length && crawl.pages.length + inFlight.length < maxPages) {
        const next = queue.shift()!;
        const firstMustWork = crawl.pages.length + inFlight.length === 0 && !options.sitemap;
        const read = readPage(next, start, context, { firstMustWork, wantLinks: next.depth < maxDepth });
        read.catch(() => {}); // awaited in turn below; a failure before its turn must not go unhandled
        inFlight.push({ next, read });
      }
      const { next, read } = inFlight.shift()!;
      const { visit, sections, title } = await read;
      crawl.pages.push(visit);
      crawl.sections.push(...sections);
      crawl.title ??= title;
      if (visit.outcome === "fetched" || visit.outcome === "not-modified") {
        context.onProgress?.(crawl.pages.length, queue.length ? null : crawl.pages.length, "pages");
        follow(visit.links, next.depth);
      }
    }
    const kept = crawl.pages.some((p) => p.outcome === "not-modified");
    if (!kept && !crawl.sections.some((s) => s.text.trim())) {
      const failure = crawl.pages.find((p) => p.error)?.error;
      throw new ExtractionError(failure ? `No page could be read: ${failure}` : "The page has no readable text.");
    }
    return { ...(crawl.title && { title: crawl.title }), sections: crawl.sections, pages: crawl.pages };
  },
});

/** The most pages one link source reads. */
export const MAX_PAGES = 1000;
/** Pages of one site requested at once. */
const CONCURRENT_PAGES = 4;

interface Queued {
  url: string;
  depth: number;
  /** The sitemap's date for it. */
  lastmod?: string;
}

interface Crawl {
  title?: string;
  sections: Section[];
  pages: PageVisit[];
}

/** One page read: what became of it, its text, and its title. */
interface PageRead {
  visit: PageVisit;
  sections: Section[];
  title?: string;
}

/**
 * Reads one page of a crawl, asking the site only for a version newer than
 * the one the last sync saw (a page unchanged since then costs a 304, or no
 * request at all when the sitemap dates it before that fetch). Its links
 * are gathered only where the crawl goes deeper from it.
 */
async function readPage(
  { url, lastmod }: Queued,
  start: URL,
  context: ExtractContext,
  { firstMustWork, wantLinks }: { firstMustWork: boolean; wantLinks: boolean },
): Promise<PageRead> {
  const known = context.known?.[url];
  if (known && lastmod && Date.parse(lastmod) <= known.fetchedAt) {
    return { visit: { url, outcome: "not-modified", requested: false, etag: known.etag, lastModified: known.lastModified, links: known.links }, sections: [] };
  }
  let page;
  try {
    page = await fetchText(url, context, PAGE, known ?? {});
  } catch (error) {
    // The first page must work; later ones may fail without spoiling the rest.
    if (firstMustWork && !known) throw error;
    context.signal.throwIfAborted();
    const failure = error as Error;
    if (failure instanceof ExtractionError && failure.gone)
      return { visit: { url, outcome: "gone", requested: true, links: [], error: failure.message }, sections: [] };
    // A page that failed this time still leads where it led: its last links are followed.
    return { visit: { url, outcome: "failed", requested: true, links: known?.links ?? [], error: failure.message }, sections: [] };
  }
  const version = { etag: page.etag, lastModified: page.lastModified };
  if (page.notModified) return { visit: { url, outcome: "not-modified", requested: true, ...version, links: known?.links ?? [] }, sections: [] };
  // A site without validators sends the same bytes again: nothing to extract.
  const bodyHash = createHash("sha256").update(page.body).digest("hex");
  if (known && page.url === url && known.bodyHash === bodyHash) {
    return { visit: { url, outcome: "not-modified", requested: true, ...version, bodyHash, links: known.links }, sections: [] };
  }
  if (page.contentType === "text/plain") {
    context.budget.take(page.body.length);
    return { visit: { url: page.url, outcome: "fetched", requested: true, ...version, bodyHash, links: [] }, sections: [{ text: page.body, url: page.url }] };
  }
  const extracted = await htmlToSections(page.body, { url: page.url, budget: context.budget });
  const links = wantLinks && HTML.test(page.contentType) ? await sameSiteLinks(page.body, page.url, start) : [];
  return {
    visit: { url: page.url, outcome: "fetched", requested: true, ...version, bodyHash, links },
    sections: extracted.sections.map((s) => ({ ...s, ...(extracted.title && { title: extracted.title }) })),
    ...(extracted.title && { title: extracted.title }),
  };
}

/** Same-host http(s) links of a page, without fragments, in document order. */
async function sameSiteLinks(html: string, base: string, start: URL): Promise<string[]> {
  const $ = await parseHtml(html);
  const links: string[] = [];
  $("a[href]").each((_, a) => {
    try {
      const url = new URL($(a).attr("href")!, base);
      url.hash = "";
      if ((url.protocol === "http:" || url.protocol === "https:") && url.host === start.host && !NOT_A_PAGE.test(url.pathname)) links.push(url.href);
    } catch {
      // An unparseable href is not a link worth following.
    }
  });
  return links;
}

/** The same-host page URLs a sitemap lists, with their `lastmod` (following one level of sitemap index). */
async function sitemapUrls(address: string, start: URL, context: ExtractContext, nested = false): Promise<{ url: string; lastmod?: string }[]> {
  const { body } = await fetchText(address, context, XML);
  const $ = await parseHtml(body, { xml: true });
  if ($("sitemapindex").length && !nested) {
    const all: { url: string; lastmod?: string }[] = [];
    const locs = $("sitemap > loc")
      .map((_, el) => $(el).text().trim())
      .get();
    for (const loc of locs.slice(0, 20)) all.push(...(await sitemapUrls(loc, start, context, true).catch(() => [])));
    return all;
  }
  const entries = $("url")
    .map((_, el) => ({ url: $(el).children("loc").text().trim(), lastmod: $(el).children("lastmod").text().trim() || undefined }))
    .get();
  return entries.filter(({ url }) => {
    try {
      return new URL(url).host === start.host;
    } catch {
      return false;
    }
  });
}
