import robotsTxt from "robots-parser";
import { ExtractionError, type ExtractContext } from "../types.js";
import { fetchText } from "./fetch.js";

// robots-parser is CommonJS (module.exports = the function), but its types declare an ES default export, which NodeNext reads as `.default`.
const robotsParser = robotsTxt as unknown as typeof robotsTxt.default;

/** The product token Parley crawls as (see the user-agent in fetch.ts). */
export const ROBOTS_AGENT = "parleybot";

/** What a site's robots.txt lets Parley's crawler read. */
export interface Robots {
  allows(url: URL): boolean;
}

export const ALLOW_ALL: Robots = { allows: () => true };
const DISALLOW_ALL: Robots = { allows: (url) => url.pathname === "/robots.txt" };

/**
 * robots.txt as RFC 9309 reads it, by robots-parser: the groups naming our
 * product token, or else the `*` groups; among their Allow and Disallow
 * rules the longest matching path wins, Allow on a tie; `*` and a final `$`
 * are wildcards. robots.txt itself is always readable.
 */
export function parseRobots(text: string, agent = ROBOTS_AGENT): Robots {
  // robots-parser answers for the origin its robots.txt came from; a crawl stays on one, so this holds one entry.
  const byOrigin = new Map<string, ReturnType<typeof robotsParser>>();
  return {
    allows(url) {
      if (url.pathname === "/robots.txt") return true;
      let robots = byOrigin.get(url.origin);
      if (!robots) byOrigin.set(url.origin, (robots = robotsParser(`${url.origin}/robots.txt`, text)));
      return robots.isAllowed(url.href, agent) ?? true;
    },
  };
}

/**
 * The site's robots.txt. Missing (4xx): everything is allowed. Unreachable
 * (5xx, time-out): nothing is, as RFC 9309 asks, until a later sync.
 */
export async function fetchRobots(start: URL, context: Pick<ExtractContext, "signal" | "web">): Promise<Robots> {
  try {
    const { body } = await fetchText(new URL("/robots.txt", start).href, context, /^text\/plain$/);
    return parseRobots(body);
  } catch (error) {
    context.signal.throwIfAborted();
    return error instanceof ExtractionError && error.retryable ? DISALLOW_ALL : ALLOW_ALL;
  }
}
