import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { projectPath } from "../paths.js";
import type { Plugin } from "graphql-yoga";
import { assetResponse, staticAsset, type StaticAsset } from "./assets.js";

/**
 * The admin console (console/, built by `npm run console:build`): a
 * single-page app under /admin that talks only to the public GraphQL API.
 * Its files are held in memory with their gzipped twins.
 */
export interface ConsoleAssets {
  files: Map<string, StaticAsset>;
  /** A hash of the build, for cache busting. */
  version: string;
  /** The chunks app.js imports statically: the page asks for them at once rather than after app.js. */
  preload: string[];
}

const DIST = projectPath("console", "dist");
const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

export async function loadConsoleAssets(dir = DIST): Promise<ConsoleAssets> {
  const files = new Map<string, StaticAsset>();
  const hash = createHash("sha256");
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => path.extname(name) in TYPES).sort();
    if (!names.includes("app.js")) throw new Error("app.js is missing");
  } catch (error) {
    throw new Error(`The admin console is not built (${dir}): run \`npm run console:build\`.`, { cause: error });
  }
  for (const name of names) {
    const body = await readFile(path.join(dir, name));
    hash.update(body);
    files.set(name, staticAsset(body, TYPES[path.extname(name)]!));
  }
  const app = await readFile(path.join(dir, "app.js"), "utf8");
  const preload = staticChunks(app);
  return { files, version: hash.digest("hex").slice(0, 16), preload };
}

/**
 * The chunks the console's app.js imports statically (esbuild writes
 * `from"./chunk-….js"`): part of the first load, unlike those it imports
 * when a screen opens (`import("./chunk-….js")`).
 */
export function staticChunks(appJs: string): string[] {
  return [...appJs.matchAll(/(?:from|import)\s*"\.\/(chunk-[\w-]+\.js)"/g)].map((match) => match[1]!);
}

/**
 * Same origin only; React Aria positions popovers with style attributes, and
 * adds one <style> element of its own, which carries the page's nonce (it
 * reads it from the csp-nonce meta tag). The console frames nothing but its
 * own pages (widget preview).
 */
const csp = (nonce: string) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");

function page({ version, preload }: Pick<ConsoleAssets, "version" | "preload">, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley console</title>
<meta name="csp-nonce" nonce="${nonce}">
<link rel="icon" type="image/svg+xml" href="/favicon.svg">
<link rel="stylesheet" href="/admin/assets/app.css?v=${version}">
<script type="module" src="/admin/assets/app.js?v=${version}"></script>
${preload.map((chunk) => `<link rel="modulepreload" href="/admin/assets/${chunk}">`).join("\n")}
</head>
<body>
<div id="root"></div>
<noscript>The Parley console needs JavaScript.</noscript>
</body>
</html>
`;
}

/** Serves the console: `/` goes to `/admin`, every `/admin/…` path is the app (it routes in the browser), `/admin/assets/…` its files. */
export function useConsole(assets: ConsoleAssets): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET" && request.method !== "HEAD") return;
      if (url.pathname === "/") return endResponse(fetchAPI.Response.redirect(new URL("/admin", url).href, 302));
      // Browsers ask every page's origin for an icon (GraphiQL's and the widget's pages too).
      if (url.pathname === "/favicon.svg" || url.pathname === "/favicon.ico") {
        return endResponse(new fetchAPI.Response(ICON, { headers: { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" } }));
      }
      if (url.pathname !== "/admin" && !url.pathname.startsWith("/admin/")) return;
      const common = { "x-content-type-options": "nosniff", "referrer-policy": "same-origin" };
      const asset = /^\/admin\/assets\/([\w.-]+)$/.exec(url.pathname)?.[1];
      if (asset !== undefined) {
        const file = assets.files.get(asset);
        if (!file) return endResponse(new fetchAPI.Response("Not found", { status: 404, headers: common }));
        // Chunks are named by their content hash (the app imports them without ?v=): cached for good too.
        const unversioned = asset.startsWith("chunk-") ? "public, max-age=31536000, immutable" : "no-cache";
        return endResponse(assetResponse(request, url, file, { version: assets.version, unversioned, headers: common }));
      }
      const nonce = randomBytes(16).toString("base64");
      const headers = { ...common, "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", "content-security-policy": csp(nonce) };
      return endResponse(new fetchAPI.Response(request.method === "HEAD" ? null : page(assets, nonce), { headers }));
    },
  };
}

/** Parley's icon: a speech bubble in the console's accent colour. */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#3b5bdb" d="M6 4h20a4 4 0 0 1 4 4v12a4 4 0 0 1-4 4H14l-7 6v-6H6a4 4 0 0 1-4-4V8a4 4 0 0 1 4-4z"/><path fill="#fff" d="M9 11h14v2H9zm0 5h10v2H9z"/></svg>`;
