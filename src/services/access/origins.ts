import type { Bot } from "@prisma/client";

/**
 * Where a request says it comes from, as the allow-list reads it:
 * - `page`: a browser page, named by its Origin (else its Referer);
 * - `opaque`: a page that will not say where it is (`Origin: null`: a
 *   sandboxed or no-referrer frame, a data: or file: page) or says it badly;
 * - `browser`: a browser's request naming no page at all (Sec-Fetch-Site
 *   sent, no Origin, no Referer);
 * - `server`: none of these, a server or a script.
 */
export type RequestSource = { kind: "page"; host: string; origin: string } | { kind: "opaque" } | { kind: "browser" } | { kind: "server" };

export function requestSource(headers: Headers): RequestSource {
  const origin = headers.get("origin");
  const named = origin ?? headers.get("referer");
  if (named === "null" || named === "") return { kind: "opaque" };
  if (named) {
    try {
      const url = new URL(named);
      if (url.protocol !== "http:" && url.protocol !== "https:") return { kind: "opaque" };
      return { kind: "page", host: url.hostname.toLowerCase(), origin: url.origin.toLowerCase() };
    } catch {
      return { kind: "opaque" };
    }
  }
  // Every current browser sends Sec-Fetch-Site (and -Dest) on every request; servers' HTTP clients do not.
  return headers.has("sec-fetch-site") || headers.has("sec-fetch-dest") ? { kind: "browser" } : { kind: "server" };
}

/** Whether a host matches an allowed domain: exactly, or under a `*.example.com` wildcard (not the bare domain). */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((domain) => (domain.startsWith("*.") ? host.endsWith(domain.slice(1)) && host.length > domain.length - 1 : host === domain));
}

/**
 * May a request use this bot with an API key? Servers and scripts always
 * may. A page may when its host is on the bot's allow-list; with no list,
 * only when the bot is public. A page that hides where it is, or a browser
 * request naming no page, only when the bot is public with no list.
 */
export function originAllowed(bot: Pick<Bot, "isPublic" | "allowedDomains">, source: RequestSource): boolean {
  if (source.kind === "server") return true;
  if (source.kind === "page" && bot.allowedDomains.length) return hostAllowed(source.host, bot.allowedDomains);
  return bot.isPublic && !bot.allowedDomains.length;
}

/**
 * The origins of Parley's own pages (the widget page in its iframe, the
 * console's preview, GraphiQL): PUBLIC_URL's, and the loopback names of the
 * port it listens on (only a page this very server served can carry those).
 * Not the request's Host header: a page on a name that merely points at
 * this server (DNS rebinding) sends its own name as both.
 */
export function ownOrigins(server: { publicUrl: string; PORT: number }): string[] {
  const loopback = ["localhost", "127.0.0.1", "[::1]"].map((host) => `http://${host}:${server.PORT}`);
  return [new URL(server.publicUrl).origin.toLowerCase(), ...loopback];
}

/**
 * Whether a browser request comes from a page this server served itself.
 * The widget page was checked against the bot's allow-list when it was
 * served; its own requests then come from Parley's origin, which no other
 * site's page can claim.
 */
export function fromOwnPage(source: RequestSource, server: { publicUrl: string; PORT: number }): boolean {
  return source.kind === "page" && ownOrigins(server).includes(source.origin);
}

/**
 * May the widget page be shown for this request? Its Referer is the page
 * that embeds it. A bot with allowed domains needs one of them; a public bot
 * without a list may be embedded anywhere, or opened on its own.
 */
export function widgetPageAllowed(bot: Pick<Bot, "isPublic" | "allowedDomains">, source: RequestSource): boolean {
  return source.kind === "page" ? originAllowed(bot, source) : bot.isPublic && !bot.allowedDomains.length;
}

/** The CSP frame-ancestors that let exactly the allowed sites frame the widget page. */
export function frameAncestors(bot: Pick<Bot, "isPublic" | "allowedDomains">): string {
  if (bot.allowedDomains.length) return ["'self'", ...bot.allowedDomains.flatMap((domain) => [`http://${domain}:*`, `https://${domain}:*`])].join(" ");
  return bot.isPublic ? "*" : "'self'";
}
