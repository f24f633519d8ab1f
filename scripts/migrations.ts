/**
 * Writes and checks migrations without `prisma migrate`, which cannot apply
 * migrations to PGlite (see ../shared notes in README). Each migration folder
 * keeps a snapshot of the schema it produces, so the next one is a diff from it.
 *
 *   npm run migration:new -- <name>   writes prisma/migrations/<timestamp>_<name>/
 *   npm run migration:check           fails if schema.prisma has changes no migration covers
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const migrationsDir = path.join(root, "prisma", "migrations");
const schemaFile = path.join(root, "prisma", "schema.prisma");
const SNAPSHOT = "schema.prisma.snapshot";

async function latestSnapshot(): Promise<string | undefined> {
  const names = (await readdir(migrationsDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const last = names.at(-1);
  return last ? path.join(migrationsDir, last, SNAPSHOT) : undefined;
}

function diff(from: string | undefined, extra: string[]): { code: number; sql: string } {
  const args = [
    "prisma",
    "migrate",
    "diff",
    ...(from ? ["--from-schema-datamodel", from] : ["--from-empty"]),
    "--to-schema-datamodel",
    schemaFile,
    "--script",
    ...extra,
  ];
  try {
    return { code: 0, sql: execFileSync("npx", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }) };
  } catch (error) {
    const e = error as { status?: number; stdout?: string };
    return { code: e.status ?? 1, sql: e.stdout ?? "" };
  }
}

const [command, name] = process.argv.slice(2);
if (command === "new") {
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error("usage: npm run migration:new -- <name in snake_case>");
    process.exit(2);
  }
  const { code, sql } = diff(await latestSnapshot(), []);
  if (code !== 0) process.exit(code);
  if (!sql.trim() || /^-- This is an empty migration\.?\s*$/m.test(sql.trim())) {
    console.log("schema.prisma has no changes since the last migration.");
    process.exit(0);
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "migration.sql"), sql);
  await copyFile(schemaFile, path.join(dir, SNAPSHOT));
  console.log(`wrote ${path.relative(root, dir)}/migration.sql: review it, add what Prisma cannot express, commit.`);
} else if (command === "check") {
  // The last migration's snapshot is the schema the migrations make: when schema.prisma is that file, nothing is uncovered
  // (and the 15 s of a diff are saved); otherwise the diff decides, as a comment alone changes nothing.
  const snapshot = await latestSnapshot();
  if (snapshot && (await readFile(snapshot, "utf8").catch(() => "")) === (await readFile(schemaFile, "utf8"))) {
    console.log("migrations cover schema.prisma.");
    process.exit(0);
  }
  // --exit-code: 0 no difference, 2 difference.
  const { code, sql } = diff(snapshot, ["--exit-code"]);
  if (code === 2) {
    console.error("schema.prisma has changes that no migration covers: run `npm run migration:new -- <name>`.\n" + sql);
    process.exit(1);
  }
  if (code !== 0) process.exit(code);
  console.log("migrations cover schema.prisma.");
} else {
  console.error("usage: tsx scripts/migrations.ts new <name> | check");
  process.exit(2);
}
