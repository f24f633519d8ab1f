/**
 * Prints the GraphQL schema built from code to schema.graphql.
 * With --check, fails instead when the committed file is stale (CI runs this).
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "../src/schema/index.js";

const file = fileURLToPath(new URL("../schema.graphql", import.meta.url));
const printed = `# Generated from the code by \`npm run schema:print\`. Do not edit by hand.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;

if (process.argv.includes("--check")) {
  const committed = await readFile(file, "utf8").catch(() => "");
  if (committed !== printed) {
    console.error("schema.graphql is stale: run `npm run schema:print` and commit the result.");
    process.exit(1);
  }
  console.log("schema.graphql is up to date.");
} else {
  await writeFile(file, printed);
  console.log(`wrote ${file}`);
}
