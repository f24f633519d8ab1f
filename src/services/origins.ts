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
