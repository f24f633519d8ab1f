import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Bot } from "@prisma/client";
import type { Plugin } from "graphql-yoga";
import { assetResponse, staticAsset, type StaticAsset } from "./assets.js";
import { clientAddress } from "./context.js";
import { isId } from "./services/errors.js";
import { publicFace } from "./services/bots.js";
import type { AppServices } from "./services/index.js";
import { fromOwnPage, frameAncestors, requestOrigin, widgetPageAllowed } from "./services/origins.js";
import type { PageConfig } from "../widget/src/types.js";

/** The built widget (npm run widget:build), held in memory with its gzipped twin. */
export interface WidgetAssets {
  script: StaticAsset;
  css: string;
  /** A hash of the build, for cache busting and ETags. */
  version: string;
}

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "widget", "dist");

export async function loadWidgetAssets(dir = DIST): Promise<WidgetAssets> {
  let script: Buffer;
  let css: string;
  try {
    [script, css] = await Promise.all([readFile(path.join(dir, "widget.js")), readFile(path.join(dir, "widget-style.css"), "utf8")]);
  } catch (error) {
    throw new Error(`The website widget is not built (${dir}): run \`npm run widget:build\`.`, { cause: error });
  }
  const version = createHash("sha256").update(script).update(css).digest("hex").slice(0, 16);
  return { script: staticAsset(script, "text/javascript; charset=utf-8"), css, version };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON inside a script element: `<` escaped so no text can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

function page(assets: WidgetAssets, nonce: string, title: string, body: string, language = "en"): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${assets.css}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/**
 * Whether the widget page may be shown, and if not, why, in words for
 * whoever set the page up. The key is named when known, for usage records.
 */
type PageDecision =
  | { shown: true; bot: Bot; apiKeyId: string }
  | { shown: false; status: number; reason: string; key?: { id: string; botId: string } };

async function decide(services: AppServices, botId: string, apiKey: string | null, headers: Headers): Promise<PageDecision> {
  if (!isId(botId)) return { shown: false, status: 404, reason: "There is no such chat." };
  const key = apiKey ? await services.apiKeys.findUsable(apiKey) : null;
  if (!key) return { shown: false, status: 401, reason: "The API key is missing, revoked or expired." };
  const refused = (status: number, reason: string): PageDecision => ({ shown: false, status, reason, key: { id: key.id, botId: key.bot.id } });
  if (key.bot.id !== botId) return refused(403, "This API key belongs to another bot.");
  if (key.bot.status !== "ACTIVE") return refused(403, "This bot is not active.");
  const host = requestOrigin(headers);
  if (!fromOwnPage(headers, services.config) && !widgetPageAllowed(key.bot, host)) {
    return refused(403, host ? `This website (${host}) is not one of the bot's allowed domains.` : "This bot can only be used from its allowed websites.");
  }
  services.apiKeys.touch(key);
  return { shown: true, bot: key.bot, apiKeyId: key.id };
}

/**
 * The website widget's HTTP side:
 * - GET /widget.js: the script (launcher on a host page, chat on the widget page);
 * - GET /widget/:botId?api_key=…: the chat page for an iframe, or on its own.
 * The page's CSP lets only the bot's allowed sites frame it and lets nothing
 * but Parley's own script run in it.
 */
export function useWidget(services: AppServices, assets: WidgetAssets): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (request.method !== "GET" && request.method !== "HEAD") return;
      if (url.pathname === "/widget.js") {
        // The widget page asks for its versioned URL; the launcher's bare URL is rechecked every few minutes.
        return endResponse(
          assetResponse(request, url, assets.script, { version: assets.version, unversioned: "public, max-age=300", headers: { "cross-origin-resource-policy": "cross-origin" } }),
        );
      }

      const match = /^\/widget\/([^/]+)\/?$/.exec(url.pathname);
      if (!match) return;
      const started = performance.now();
      const decision = await decide(services, match[1]!, url.searchParams.get("api_key"), request.headers);
      const nonce = randomBytes(16).toString("base64");
      // The Host header goes into the CSP: only a plain host[:port] may.
      const host = /^[\w.-]+(:\d+)?$|^\[[\da-f:.]+\](:\d+)?$/i.test(request.headers.get("host") ?? "") ? request.headers.get("host")! : "";
      const common = {
        "content-type": "text/html; charset=utf-8",
        // The page's address holds the API key: never pass it on, never cache it.
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      };

      const key = decision.shown ? { id: decision.apiKeyId, botId: decision.bot.id } : decision.key;
      if (key) {
        const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
        services.usage.record({
          botId: key.botId,
          apiKeyId: key.id,
          operation: "widgetPage",
          ip: clientAddress(services.config, request.headers, req?.socket) ?? null,
          userAgent: request.headers.get("user-agent"),
          responseTimeMs: performance.now() - started,
          tokens: null,
          errorCode: decision.shown ? null : "FORBIDDEN",
        });
      }

      if (!decision.shown) {
        // A refusal may show in any frame: it says why and holds nothing.
        const body = `<main class="pw pw-refused"><p><strong>This chat is not available here.</strong></p><p class="pw-reason">${escapeHtml(decision.reason)}</p></main>`;
        return endResponse(
          new fetchAPI.Response(page(assets, nonce, "Chat unavailable", body), {
            status: decision.status,
            headers: { ...common, "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'` },
          }),
        );
      }

      const { bot } = decision;
      const config: PageConfig = {
        botId: bot.id,
        apiKey: url.searchParams.get("api_key")!,
        endpoint: "/graphql",
        embedded: url.searchParams.get("embed") === "launcher",
        bot: publicFace(bot),
      };
      const body = `<main id="parley" class="pw"><noscript>This chat needs JavaScript.</noscript></main>
<script type="application/json" id="parley-config">${scriptJson(config)}</script>
<script src="/widget.js?v=${assets.version}" defer></script>`;
      const csp = [
        "default-src 'none'",
        "script-src 'self'",
        `style-src 'nonce-${nonce}'`,
        "img-src 'self' data:",
        `connect-src 'self'${host && ` ws://${host} wss://${host}`}`,
        `frame-ancestors ${frameAncestors(bot)}`,
        "base-uri 'none'",
        "form-action 'none'",
      ].join("; ");
      return endResponse(new fetchAPI.Response(page(assets, nonce, config.bot.title, body, config.bot.language), { headers: { ...common, "content-security-policy": csp } }));
    },
  };
}
