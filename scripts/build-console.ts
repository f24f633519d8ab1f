/**
 * Builds the admin console (console/src) into console/dist: app.js and
 * app.css, the first load, and chunk-*.js, screens loaded when first opened
 * (usage charts). The server serves them under /admin. Its GraphQL
 * operations are typed from schema.graphql by codegen (console/src/gql),
 * run first. Fails when the first load is over its budget of 250 KB
 * gzipped, so a heavy dependency cannot slip in.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { staticChunks } from "../src/http/console.js";

const BUDGET_BYTES = 250 * 1024;
const root = path.resolve(import.meta.dirname, "..", "console");
const outdir = path.join(root, "dist");

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { app: path.join(root, "src/main.tsx") },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: "chunk-[hash]",
  minify: true,
  sourcemap: "linked",
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "linked",
  logLevel: "warning",
});

// app.js imports the chunks it shares with the lazy screens statically (`from"./chunk-…"`): those load first too.
const app = await readFile(path.join(outdir, "app.js"), "utf8");
const staticImports = new Set(staticChunks(app));
let firstLoad = 0;
for (const file of (await readdir(outdir)).filter((name) => /\.(js|css)$/.test(name)).sort()) {
  const bytes = await readFile(path.join(outdir, file));
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  const first = file === "app.js" || file === "app.css" || staticImports.has(file);
  if (first) firstLoad += gzipped;
  console.log(`console/dist/${file}: ${(bytes.length / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped${first ? "" : " (loaded when needed)"}`);
}
console.log(`first load: ${(firstLoad / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
if (firstLoad > BUDGET_BYTES) {
  console.error(`The console's first load is ${(firstLoad / 1024).toFixed(1)} KB gzipped, over its ${BUDGET_BYTES / 1024} KB budget.`);
  process.exit(1);
}
