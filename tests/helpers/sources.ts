import type { Source } from "@prisma/client";
import type { TestApp } from "./app.js";

/** Sends a GraphQL multipart request (the upload spec) with one file as `variables.file`. */
export async function uploadFile(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown>,
  file: { name: string; type?: string; bytes: Uint8Array },
): Promise<{
  status: number;
  data?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- read by shape, as in gqlRaw
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}> {
  const form = new FormData();
  form.set("operations", JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.set("map", JSON.stringify({ 0: ["variables.file"] }));
  form.set("0", new Blob([new Uint8Array(file.bytes)], { type: file.type ?? "application/octet-stream" }), file.name);
  const response = await fetch(`${url}/graphql`, { method: "POST", headers: { ...headers, "graphql-require-preflight": "1" }, body: form });
  return { status: response.status, ...((await response.json()) as object) };
}

/** Waits for a source to satisfy `until` (default: settled as SYNCED or ERROR). */
export async function waitForSource(
  t: TestApp,
  id: string,
  until: (s: Source) => boolean = (s) => s.syncStatus === "SYNCED" || s.syncStatus === "ERROR",
  timeoutMs = 30_000,
): Promise<Source> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const source = await t.app.services.db.prisma.source.findUniqueOrThrow({ where: { id } });
    if (until(source)) return source;
    if (Date.now() > deadline) throw new Error(`source ${id} is still ${source.syncStatus} (${source.lastError ?? "no error"})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
