import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project's folder (package.json, prisma/migrations, widget/dist,
 * console/dist), whether Parley runs from src/ through tsx or compiled in
 * dist/src/: the nearest folder above this module with a package.json.
 */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const projectPath = (...parts: string[]) => path.join(PROJECT_ROOT, ...parts);
