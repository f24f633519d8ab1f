import type { KnownPage, PageVisit, Section } from "../../../connectors/index.js";

/**
 * A link's pages compared with its last sync: which pages were added,
 * changed, kept or removed. Pure: it runs in the extraction worker, beside
 * the crawl, and only the pages that changed go on to be split and embedded.
 */

/** A page as the last sync stored it (source_pages). */
export interface KnownPageState extends KnownPage {
  /** SHA-256 of its text with the settings that chunk it. */
  textHash: string;
  chunkCount: number;
}

export type PageChange = "added" | "changed" | "unchanged" | "removed" | "failed";

export interface PageOutcome {
  url: string;
  change: PageChange;
  /** A request went out for it (false: the sitemap's lastmod said unchanged, or it was not reached). */
  fetched: boolean;
  /** The site answered with a body (not 304). */
  bodyRead: boolean;
  etag?: string | null;
  lastModified?: string | null;
  bodyHash?: string | null;
  links: string[];
  /** The page's state after this sync; absent for a page that is gone or never read. */
  textHash?: string;
  /** Its text, when it was read (added, changed): stored for the next sync's diff. */
  text?: string;
  /** Chunks of it readers see after this sync. */
  chunkCount: number;
  error?: string;
}

export interface PageComparison {
  outcomes: PageOutcome[];
  /** The sections to split and embed: those of added and changed pages. */
  sections: Section[];
  /** Pages whose stored chunks go: changed and removed ones. */
  retire: string[];
  /** Nothing added, changed or removed. */
  unchanged: boolean;
}

/**
 * Compares what a crawl read with what the last sync stored. `hashOf`
 * hashes a page's cleaned sections with what else decides its chunks (the
 * model, the chunk size): the same hash, the same chunks.
 */
export function comparePages(
  visits: PageVisit[],
  sections: Section[],
  known: Record<string, KnownPageState>,
  hashOf: (sections: Section[]) => string,
): PageComparison {
  const byPage = new Map<string, Section[]>();
  for (const section of sections) byPage.set(section.url ?? "", [...(byPage.get(section.url ?? "") ?? []), section]);
  const outcomes = new Map<string, PageOutcome>();
  for (const visit of visits) {
    if (outcomes.has(visit.url)) continue; // two addresses redirecting to one page
    outcomes.set(visit.url, outcomeOf(visit, byPage.get(visit.url) ?? [], known[visit.url], hashOf));
  }
  for (const [url, page] of Object.entries(known)) {
    if (!outcomes.has(url)) outcomes.set(url, { url, change: "removed", fetched: false, bodyRead: false, links: page.links, chunkCount: 0 });
  }
  const list = [...outcomes.values()];
  const fresh = new Set(list.filter((o) => o.change === "added" || o.change === "changed").map((o) => o.url));
  return {
    outcomes: list,
    sections: sections.filter((s) => fresh.has(s.url ?? "")),
    retire: list.filter((o) => o.change === "changed" || o.change === "removed").map((o) => o.url),
    unchanged: !list.some((o) => o.change === "added" || o.change === "changed" || o.change === "removed"),
  };
}

function outcomeOf(visit: PageVisit, sections: Section[], known: KnownPageState | undefined, hashOf: (sections: Section[]) => string): PageOutcome {
  const base = {
    url: visit.url,
    etag: visit.etag ?? known?.etag,
    lastModified: visit.lastModified ?? known?.lastModified,
    bodyHash: visit.bodyHash ?? known?.bodyHash,
    links: visit.links,
  };
  switch (visit.outcome) {
    case "not-modified":
      return {
        ...base,
        change: known ? "unchanged" : "failed",
        fetched: visit.requested,
        bodyRead: false,
        ...(known ? { textHash: known.textHash, chunkCount: known.chunkCount } : { chunkCount: 0, error: "Not modified, but never read before." }),
      };
    case "gone":
      return { ...base, change: known ? "removed" : "failed", fetched: true, bodyRead: false, chunkCount: 0, error: visit.error };
    case "failed":
      // Its last version keeps answering until the page is read again or gone.
      return { ...base, change: "failed", fetched: true, bodyRead: false, chunkCount: known?.chunkCount ?? 0, textHash: known?.textHash, error: visit.error };
    case "fetched": {
      const textHash = hashOf(sections);
      const text = sections.map((s) => s.text).join("\n\n");
      const change = !known ? "added" : known.textHash === textHash ? "unchanged" : "changed";
      return { ...base, change, fetched: true, bodyRead: true, textHash, ...(change !== "unchanged" && { text }), chunkCount: known?.chunkCount ?? 0 };
    }
  }
}
