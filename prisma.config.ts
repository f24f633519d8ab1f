// Lets the Prisma CLI (generate, migrate diff) run without downloading a
// schema engine: it talks to a throwaway PGlite through the JS engine.
// Migrations are *applied* by src/db/migrate.ts, never by `prisma migrate`.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PrismaPGlite } from "pglite-prisma-adapter";

// The schema's datasource url must resolve for the CLI to read the schema at
// all (otherwise it falls back to downloading a native engine), although
// Parley always connects through a driver adapter and never uses it.
process.env.DATABASE_URL ??= "postgresql://localhost/unused";

export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => new PrismaPGlite(new PGlite({ extensions: { vector } })),
});
