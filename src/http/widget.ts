import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { projectPath } from "../paths.js";
import type { Plugin } from "graphql-yoga";
import { assetResponse, staticAsset, type StaticAsset } from "./assets.js";
import { clientAddress } from "../context.js";
import { publicFace } from "../services/tenancy/bots.js";
import type { AppServices } from "../services/index.js";
import { frameAncestors } from "../services/access/origins.js";
import type { PageConfig } from "../../widget/src/types.js";

/** The built widget (npm run widget:build), held in memory with its gzipped twin. */
export interface WidgetAssets {
  script: StaticAsset;
  css: string;
  /** A hash of the build, for cache busting and ETags. */
  version: string;
}

const DIST = projectPath("widget", "dist");

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
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

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
          assetResponse(request, url, assets.script, {
            version: assets.version,
            unversioned: "public, max-age=300",
            headers: { "cross-origin-resource-policy": "cross-origin" },
          }),
        );
      }

      const match = /^\/widget\/([^/]+)\/?$/.exec(url.pathname);
      if (!match) return;
      const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
      const ip = clientAddress(services.config, request.headers, req?.socket);
      const decision = await services.publicAccess.admitPage(match[1]!, url.searchParams.get("api_key"), { headers: request.headers, ip });
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
      return endResponse(
        new fetchAPI.Response(page(assets, nonce, config.bot.title, body, config.bot.language), { headers: { ...common, "content-security-policy": csp } }),
      );
    },
  };
}
