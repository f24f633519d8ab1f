import type { Bot } from "@prisma/client";

/** The host a browser request comes from: its Origin, else its Referer; undefined for non-browser clients. */
export function requestOrigin(headers: Headers): string | undefined {
  for (const name of ["origin", "referer"]) {
    const value = headers.get(name);
    if (!value || value === "null") continue;
    try {
      return new URL(value).hostname.toLowerCase();
    } catch {
      return "invalid";
    }
  }
  return undefined;
}

/** Whether a host matches an allowed domain: exactly, or under a `*.example.com` wildcard (not the bare domain). */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((domain) => (domain.startsWith("*.") ? host.endsWith(domain.slice(1)) && host.length > domain.length - 1 : host === domain));
}

/**
 * May a request from `host` use this bot with an API key? Requests without
 * an origin (servers, scripts) always may. A browser page may when its host
 * is on the bot's allow-list; with no list, only when the bot is public.
 */
export function originAllowed(bot: Pick<Bot, "isPublic" | "allowedDomains">, host: string | undefined): boolean {
  if (host === undefined) return true;
  if (bot.allowedDomains.length) return hostAllowed(host, bot.allowedDomains);
  return bot.isPublic;
}

/**
 * Whether a browser request comes from a page this server served itself
 * (the widget page in its iframe, GraphiQL). The widget page was checked
 * against the bot's allow-list when it was served; its own sockets then come
 * from Parley's origin, which no other site's page can claim.
 */
export function fromOwnPage(headers: Headers, server: { publicUrl: string; TRUST_PROXY: boolean }): boolean {
  const source = headers.get("origin") ?? headers.get("referer");
  if (!source || source === "null") return false;
  let sourceHost: string;
  try {
    sourceHost = new URL(source).host.toLowerCase();
  } catch {
    return false;
  }
  const own = [headers.get("host"), server.TRUST_PROXY ? headers.get("x-forwarded-host")?.split(",")[0]?.trim() : undefined, new URL(server.publicUrl).host];
  return own.some((host) => host?.toLowerCase() === sourceHost);
}

/**
 * May the widget page be shown for this request? Its Referer is the page
 * that embeds it. A bot with allowed domains needs one of them; a public bot
 * without a list may be embedded anywhere, or opened on its own.
 */
export function widgetPageAllowed(bot: Pick<Bot, "isPublic" | "allowedDomains">, host: string | undefined): boolean {
  if (host === undefined) return bot.isPublic && !bot.allowedDomains.length;
  return originAllowed(bot, host);
}

/** The CSP frame-ancestors that let exactly the allowed sites frame the widget page. */
export function frameAncestors(bot: Pick<Bot, "isPublic" | "allowedDomains">): string {
  if (bot.allowedDomains.length) return ["'self'", ...bot.allowedDomains.flatMap((domain) => [`http://${domain}:*`, `https://${domain}:*`])].join(" ");
  return bot.isPublic ? "*" : "'self'";
}
