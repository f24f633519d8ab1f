/**
 * Builds the admin console (console/src) into console/dist: app.js and
 * app.css, which the server serves under /admin. Its GraphQL operations are
 * typed from schema.graphql by codegen (console/src/gql), run first.
 */
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..", "console");

await build({
  entryPoints: { app: path.join(root, "src/main.tsx") },
  outdir: path.join(root, "dist"),
  bundle: true,
  minify: true,
  sourcemap: "linked",
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "linked",
  logLevel: "warning",
});
