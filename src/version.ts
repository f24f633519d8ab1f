import { readFileSync } from "node:fs";
import { projectPath } from "./paths.js";

/** Parley's version, from package.json, reported by /health and the schema. */
export const VERSION: string = (JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as { version: string }).version;
