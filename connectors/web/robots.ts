import { ExtractionError, type ExtractContext } from "../types.js";
import { fetchText } from "./fetch.js";

/** The product token Parley crawls as (see the user-agent in fetch.ts). */
export const ROBOTS_AGENT = "parleybot";

/** What a site's robots.txt lets Parley's crawler read. */
export interface Robots {
  allows(url: URL): boolean;
}

export const ALLOW_ALL: Robots = { allows: () => true };
const DISALLOW_ALL: Robots = { allows: (url) => url.pathname === "/robots.txt" };

interface Rule {
  allow: boolean;
  pattern: string;
  regex: RegExp;
}

function rule(allow: boolean, pattern: string): Rule {
  const anchored = pattern.endsWith("$");
  const body = (anchored ? pattern.slice(0, -1) : pattern)
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return { allow, pattern, regex: new RegExp(`^${body}${anchored ? "$" : ""}`) };
}

/**
 * robots.txt as RFC 9309 reads it: the groups naming our product token, or
 * else the `*` groups; among their Allow and Disallow rules the longest
 * matching path wins, Allow on a tie. `*` and a final `$` are wildcards.
 */
export function parseRobots(text: string, agent = ROBOTS_AGENT): Robots {
  const groups: { agents: string[]; rules: Rule[] }[] = [];
  let current: { agents: string[]; rules: Rule[] } | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, "").trim();
    const match = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, field, value] = match as unknown as [string, string, string];
    const key = field.toLowerCase();
    if (key === "user-agent") {
      // Consecutive user-agent lines share one group.
      if (!current || current.rules.length) groups.push((current = { agents: [], rules: [] }));
      current.agents.push(value.toLowerCase());
    } else if ((key === "allow" || key === "disallow") && current) {
      // An empty Disallow allows everything: no rule.
      if (value) current.rules.push(rule(key === "allow", value));
    }
  }
  const named = groups.filter((g) => g.agents.includes(agent));
  const rules = (named.length ? named : groups.filter((g) => g.agents.includes("*"))).flatMap((g) => g.rules);
  if (!rules.length) return ALLOW_ALL;
  return {
    allows(url) {
      if (url.pathname === "/robots.txt") return true;
      const path = decodeSafely(url.pathname) + url.search;
      let best: Rule | undefined;
      for (const r of rules) {
        if (!r.regex.test(path)) continue;
        if (!best || r.pattern.length > best.pattern.length || (r.pattern.length === best.pattern.length && r.allow)) best = r;
      }
      return best?.allow ?? true;
    },
  };
}

function decodeSafely(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
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
