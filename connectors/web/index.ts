import * as cheerio from "cheerio";
import { htmlToSections } from "../html.js";
import { defineConnector, ExtractionError, type ExtractContext, type Section } from "../types.js";
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
    const maxPages = Math.max(1, Math.min(options.maxPages ?? (options.sitemap || options.maxDepth ? 20 : 1), 500));
    const maxDepth = Math.max(0, Math.min(options.maxDepth ?? 0, 5));

    // A crawl reads only what the site's robots.txt allows; the one page a tenant names is read as asked.
    const crawling = Boolean(options.sitemap) || maxDepth > 0;
    const robots = crawling ? await fetchRobots(start, context) : ALLOW_ALL;
    const allowed = (url: string) => robots.allows(new URL(url));
    const listed = options.sitemap
      ? await sitemapUrls(typeof options.sitemap === "string" ? options.sitemap : new URL("/sitemap.xml", start).href, start, context)
      : [];
    const queue: { url: string; depth: number }[] = options.sitemap
      ? listed.filter(allowed).map((url) => ({ url, depth: maxDepth }))
      : [{ url: start.href, depth: 0 }];
    if (options.sitemap && !listed.length) throw new ExtractionError("The sitemap lists no pages of this site.");
    if (!queue.length) throw new ExtractionError("The site's robots.txt does not allow Parley to read any page its sitemap lists.");
    const seen = new Set(queue.map((q) => q.url));
    const sections: Section[] = [];
    const failures: string[] = [];
    let title: string | undefined;
    let pages = 0;

    while (queue.length && pages < maxPages) {
      const { url, depth } = queue.shift()!;
      let page;
      try {
        page = await fetchText(url, context, PAGE);
      } catch (error) {
        // The first page must work; later ones may fail without spoiling the rest.
        if (pages === 0 && !options.sitemap) throw error;
        context.signal.throwIfAborted();
        failures.push((error as Error).message);
        continue;
      }
      pages++;
      context.onProgress?.(pages, queue.length ? null : pages, "pages");
      if (page.contentType === "text/plain") {
        context.budget.take(page.body.length);
        sections.push({ text: page.body, url: page.url });
        continue;
      }
      const extracted = htmlToSections(page.body, { url: page.url, budget: context.budget });
      title ??= extracted.title;
      sections.push(...extracted.sections.map((s) => ({ ...s, ...(extracted.title && { title: extracted.title }) })));
      if (depth < maxDepth && HTML.test(page.contentType)) {
        for (const link of sameSiteLinks(page.body, page.url, start)) {
          if (seen.has(link) || !allowed(link)) continue;
          seen.add(link);
          queue.push({ url: link, depth: depth + 1 });
        }
      }
    }
    if (!sections.some((s) => s.text.trim())) {
      throw new ExtractionError(failures.length ? `No page could be read: ${failures[0]}` : "The page has no readable text.");
    }
    return { ...(title && { title }), sections };
  },
});

/** Same-host http(s) links of a page, without fragments, in document order. */
function sameSiteLinks(html: string, base: string, start: URL): string[] {
  const $ = cheerio.load(html);
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

/** The same-host page URLs a sitemap lists (following one level of sitemap index). */
async function sitemapUrls(address: string, start: URL, context: ExtractContext, nested = false): Promise<string[]> {
  const { body } = await fetchText(address, context, XML);
  const $ = cheerio.load(body, { xml: true });
  const locs = $("loc")
    .map((_, el) => $(el).text().trim())
    .get();
  if ($("sitemapindex").length && !nested) {
    const all: string[] = [];
    for (const loc of locs.slice(0, 20)) all.push(...(await sitemapUrls(loc, start, context, true).catch(() => [])));
    return all;
  }
  return locs.filter((loc) => {
    try {
      return new URL(loc).host === start.host;
    } catch {
      return false;
    }
  });
}
