import { gzipSync } from "node:zlib";

/** A built browser file (the widget's, the console's), held in memory with its gzipped twin. */
export interface StaticAsset {
  body: Buffer;
  gzip: Buffer;
  type: string;
}

export function staticAsset(body: Buffer, type: string): StaticAsset {
  return { body, gzip: gzipSync(body, { level: 9 }), type };
}

interface AssetResponseOptions {
  /** The build's hash: `?v=<version>` URLs never change, and it is the ETag. */
  version: string;
  /** Cache-Control for the bare URL, which points at whatever is built now. */
  unversioned: string;
  headers?: Record<string, string>;
}

/** The response for a built file: gzipped when the client accepts it, for good at its versioned URL, revalidated by ETag otherwise. */
export function assetResponse(request: Request, url: URL, asset: StaticAsset, { version, unversioned, headers = {} }: AssetResponseOptions): Response {
  const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
  const etag = `"${version}"`;
  const all: Record<string, string> = {
    "content-type": asset.type,
    "cache-control": url.searchParams.get("v") === version ? "public, max-age=31536000, immutable" : unversioned,
    etag,
    vary: "Accept-Encoding",
    "x-content-type-options": "nosniff",
    ...headers,
    ...(gzip && { "content-encoding": "gzip" }),
  };
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers: all });
  return new Response(request.method === "HEAD" ? null : new Uint8Array(gzip ? asset.gzip : asset.body), { headers: all });
}
