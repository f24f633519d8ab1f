/**
 * Jest's node environment, with PGlite's WebAssembly compiled once per jest
 * worker process and handed to every test file it runs (COMPILED_PGLITE in
 * src/db/pglite-thread.ts). Jest evaluates the product's modules again for
 * each file, so each file compiled it again, ~0.4 s of CPU, and each
 * database thread before that; this module is loaded once per worker.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { TestEnvironment } from "jest-environment-node";

/** @type {Promise<WebAssembly.Module> | undefined} */
let compiled;

function compilePGlite() {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  return readFile(path.join(path.dirname(entry), "pglite.wasm")).then((bytes) => WebAssembly.compile(bytes));
}

export default class ParleyEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    compiled ??= compilePGlite();
    this.global[Symbol.for("parley.pglite.wasm")] = compiled;
  }
}
