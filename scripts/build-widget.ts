/**
 * Builds the website widget (widget/src) into widget/dist: one script,
 * widget.js, for both the launcher and the chat page, and widget.css, which
 * the server inlines into the chat page. Fails when the two together exceed
 * the budget of 30 KB gzipped, so a heavy dependency cannot slip in.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const BUDGET_BYTES = 30 * 1024;
const root = path.resolve(import.meta.dirname, "..", "widget");
const outdir = path.join(root, "dist");

await build({
  entryPoints: { widget: path.join(root, "src/index.ts"), "widget-style": path.join(root, "src/widget.css") },
  outdir,
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
});

let total = 0;
for (const file of ["widget.js", "widget-style.css"]) {
  const bytes = await readFile(path.join(outdir, file));
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  total += gzipped;
  console.log(`widget/dist/${file}: ${(bytes.length / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
}
if (total > BUDGET_BYTES) {
  console.error(`The widget is ${(total / 1024).toFixed(1)} KB gzipped, over its ${BUDGET_BYTES / 1024} KB budget.`);
  process.exit(1);
}
