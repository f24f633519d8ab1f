import type { Config } from "../config.js";
import { describeOllamaError, ollamaClient } from "./ollama.js";
import { embeddedEmbeddingModel, type EmbeddedEmbedderKind } from "./status.js";
import { sifWeight, wordVectors } from "./word-vectors.js";

/** Turns texts into vectors of `dimension` numbers. */
export interface Embedder {
  readonly provider: "ollama" | "embedded";
  /** Stored with content hashes: a new model means new vectors. */
  readonly model: string;
  readonly dimension: number;
  /**
   * The least cosine similarity at which a chunk counts as related: a bot's
   * default, as each embedder spreads similarities differently.
   */
  readonly minSimilarity: number;
  /**
   * The least cosine similarity at which a visitor's question may be the
   * same as a correction's question (then sameQuestion decides): a bot's
   * default, tuned on bench/eval/corrections.json.
   */
  readonly correctionSimilarity: number;
  /**
   * Which embedded embedder this is: an extraction worker rebuilds it from
   * its kind and width so that chunks are embedded off the event loop.
   */
  readonly embedded?: EmbeddedEmbedderKind;
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

/** A failure of the embedding provider; `retryable` when waiting may help. */
export class EmbeddingError extends Error {
  override name = "EmbeddingError";
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function createEmbedder(config: Config): Embedder {
  return config.OLLAMA_BASE_URL
    ? createOllamaEmbedder({ host: config.OLLAMA_BASE_URL, model: config.EMBEDDING_MODEL, dimension: config.EMBEDDING_DIMENSION })
    : createEmbeddedEmbedder(config.EMBEDDED_EMBEDDER, config.EMBEDDING_DIMENSION);
}

/** The embedder that runs in-process, without a model server. */
export function createEmbeddedEmbedder(kind: EmbeddedEmbedderKind, dimension: number): Embedder {
  return kind === "words" ? createWordsEmbedder(dimension) : createLexicalEmbedder(dimension);
}

/**
 * Ollama's /api/embed through the official client. Each call gets its own
 * client so that its AbortSignal cancels just that request.
 */
export function createOllamaEmbedder({ host, model, dimension }: { host: string; model: string; dimension: number }): Embedder {
  return {
    provider: "ollama",
    model,
    dimension,
    minSimilarity: 0.2,
    correctionSimilarity: 0.75,
    async embed(texts, signal) {
      if (!texts.length) return [];
      const client = ollamaClient(host, signal);
      let embeddings: number[][];
      try {
        ({ embeddings } = await client.embed({ model, input: texts, truncate: true }));
      } catch (error) {
        signal?.throwIfAborted();
        throw new EmbeddingError(describeOllamaError(error, host, model, "embedding", "embed"), true, { cause: error });
      }
      if (embeddings.length !== texts.length) {
        throw new EmbeddingError(`Ollama returned ${embeddings.length} embeddings for ${texts.length} texts.`, true);
      }
      const wrong = embeddings.find((e) => e.length !== dimension);
      if (wrong) {
        throw new EmbeddingError(
          `The embedding model ${model} makes ${wrong.length}-dimensional vectors; the database stores ${dimension}. Choose a ${dimension}-dimensional model.`,
          false,
        );
      }
      return embeddings;
    },
  };
}

const STOP_WORDS = new Set(
  (
    "a an and are as at be but by can do does for from has have how i if in into is it its me my no not of on or our so that the their " +
    "them then there these they this to was we were what when where which who why will with you your"
  ).split(" "),
);

/** FNV-1a, 32 bits: fast, stable across runs and platforms. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const FEATURE_WEIGHT = { w: 1, b: 0.5, c: 0.25 } as const;

/** A text's words, lower-cased, without stop words; "wi-fi", "2.4" and "rate_limit" stay one word. */
function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize("NFKC")
      .match(/[\p{L}\p{N}]+(?:[-_.][\p{L}\p{N}]+)*/gu) ?? []
  ).filter((w) => !STOP_WORDS.has(w));
}

/**
 * Weighted features of a text: words (1), word pairs (0.5) and character
 * trigrams (0.25), each scaled by 1 + ln(occurrences) so repetition counts,
 * but sublinearly.
 */
export function lexicalFeatures(text: string): Map<string, number> {
  const tokens = words(text);
  const counts = new Map<string, number>();
  const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
  tokens.forEach((word, i) => {
    add(`w:${word}`);
    if (i > 0) add(`b:${tokens[i - 1]} ${word}`);
    // Character trigrams let "refunds" meet "refund" and survive typos.
    const padded = `^${word}$`;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`);
  });
  const features = new Map<string, number>();
  for (const [feature, count] of counts) {
    features.set(feature, FEATURE_WEIGHT[feature[0] as keyof typeof FEATURE_WEIGHT] * (1 + Math.log(count)));
  }
  return features;
}

/** A text's lexical features hashed into `dimension` signed buckets (FNV-1a's top bit gives the sign). */
function hashedFeatures(text: string, dimension: number): Float64Array {
  const vector = new Float64Array(dimension);
  for (const [feature, weight] of lexicalFeatures(text)) {
    const h = hash(feature);
    vector[h % dimension]! += (h & 0x80000000 ? -1 : 1) * weight;
  }
  return vector;
}

/** Scales a vector to length `length` in place; a zero vector stays zero. */
function scaleTo(vector: Float64Array, length: number): Float64Array {
  const norm = Math.hypot(...vector);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! *= length / norm;
  return vector;
}

/** A unit vector as plain numbers; a text without words still needs a direction (the cosine of a zero vector is undefined). */
function unitArray(vector: Float64Array): number[] {
  scaleTo(vector, 1);
  if (!vector.some((x) => x !== 0)) vector[0] = 1;
  return Array.from(vector);
}

/**
 * The lexical embedder: a deterministic *lexical* embedding, not a language
 * model. Words, word pairs and character trigrams are hashed into
 * `dimension` signed buckets (weighted as in lexicalFeatures) and normalized, so
 * cosine similarity measures shared vocabulary. It needs no server and no
 * model weights; it does not know synonyms.
 */
export function createLexicalEmbedder(dimension: number): Embedder {
  return {
    provider: "embedded",
    model: embeddedEmbeddingModel("lexical", dimension),
    dimension,
    minSimilarity: 0.2,
    correctionSimilarity: 0.5,
    embedded: "lexical",
    async embed(texts) {
      return texts.map((text) => unitArray(hashedFeatures(text, dimension)));
    },
  };
}

/** Of the cosine between two texts, the share that comes from their meaning (the word vectors); the rest is shared vocabulary. */
export const MEANING_SHARE = 0.5;

/**
 * A text's meaning as word vectors give it: the average of its words'
 * vectors, each weighted by how rare the word is (smooth inverse frequency),
 * without the direction all texts share. Zero when no word is known.
 */
function meaningVector(text: string): Float64Array {
  const vectors = wordVectors();
  const sum = new Float64Array(vectors.dimension);
  for (const token of words(text)) {
    const whole = vectors.rank(token);
    // "loft-guest" is not a word GloVe knows; "loft" and "guest" are.
    for (const rank of whole !== undefined ? [whole] : token.split(/[-_.]/).map(vectors.rank)) {
      if (rank !== undefined) vectors.addTo(sum, rank, sifWeight(rank));
    }
  }
  let along = 0;
  for (let i = 0; i < sum.length; i++) along += sum[i]! * vectors.common[i]!;
  for (let i = 0; i < sum.length; i++) sum[i]! -= along * vectors.common[i]!;
  return sum;
}

/**
 * The "words" embedder: meaning and vocabulary side by side. The first 100
 * numbers are the text's meaning from GloVe word vectors (meaningVector),
 * the rest its hashed lexical features; each part is normalized and
 * weighted so that the cosine of two texts is MEANING_SHARE × their
 * meaning's cosine plus the rest × their vocabulary's. "How fast is the
 * internet?" meets "a fibre connection with 1 Gbit/s" through the first
 * part; "E4" and "T200", which no word list knows, through the second.
 */
export function createWordsEmbedder(dimension: number): Embedder {
  const meaningDimension = wordVectors().dimension;
  if (dimension < meaningDimension * 2) {
    throw new Error(`The "words" embedder needs EMBEDDING_DIMENSION of at least ${meaningDimension * 2}; it is ${dimension}.`);
  }
  return {
    provider: "embedded",
    model: embeddedEmbeddingModel("words", dimension),
    dimension,
    // Word vectors make every two texts somewhat alike (tuned with npm run eval).
    minSimilarity: 0.35,
    correctionSimilarity: 0.4,
    embedded: "words",
    async embed(texts) {
      return texts.map((text) => {
        const meaning = scaleTo(meaningVector(text), Math.sqrt(MEANING_SHARE));
        const vocabulary = scaleTo(hashedFeatures(text, dimension - meaningDimension), Math.sqrt(1 - MEANING_SHARE));
        const vector = new Float64Array(dimension);
        vector.set(meaning);
        vector.set(vocabulary, meaningDimension);
        return unitArray(vector);
      });
    },
  };
}
