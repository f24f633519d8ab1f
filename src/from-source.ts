import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The script a thread or child process runs, when the server itself runs
 * from source (tsx: `npm start`, the tests). A thread or process cannot load
 * TypeScript without a loader of its own, and registering tsx in each cost
 * 0.2 s (a PGlite thread) to 0.6 s (an extraction process) of CPU per start,
 * which the tests pay a few hundred times: the entry and the project files it
 * imports are bundled to one ES module once per process instead (packages
 * stay imports), written under node_modules/.cache so those resolve, named by
 * its content so that processes running at once share it safely. Compiled
 * (`npm run build`), the .js beside the caller is used as it is.
 */
export function runnableScript(callerUrl: string, name: string): Promise<URL> {
  const fromSource = new URL(callerUrl).pathname.endsWith(".ts");
  const entry = new URL(`./${name}.${fromSource ? "ts" : "js"}`, callerUrl);
  if (!fromSource) return Promise.resolve(entry);
  let built = bundles.get(entry.href);
  if (!built) bundles.set(entry.href, (built = bundle(entry, name)));
  return built;
}

const bundles = new Map<string, Promise<URL>>();

async function bundle(entry: URL, name: string): Promise<URL> {
  const { build } = await import("esbuild");
  const { outputFiles } = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    target: "node20",
    write: false,
  });
  const code = outputFiles[0]!.text;
  const dir = fileURLToPath(new URL("../node_modules/.cache/parley/", import.meta.url));
  const file = path.join(dir, `${name}-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    await writeFile(partial, code);
    await rename(partial, file);
  }
  return pathToFileURL(file);
}
