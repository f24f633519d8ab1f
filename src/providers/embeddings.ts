import type { Config } from "../config.js";
import { describeOllamaError, ollamaClient } from "./ollama.js";
import { EMBEDDED_EMBEDDING_MODEL } from "./status.js";

/** Turns texts into vectors of `dimension` numbers. */
export interface Embedder {
  readonly provider: "ollama" | "embedded";
  /** Stored with content hashes: a new model means new vectors. */
  readonly model: string;
  readonly dimension: number;
  /**
   * The embedded lexical embedder, which an extraction worker rebuilds from
   * its width so that chunks are embedded off the event loop.
   */
  readonly lexical?: true;
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
    : createLexicalEmbedder(config.EMBEDDING_DIMENSION);
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

/**
 * Weighted features of a text: words (1), word pairs (0.5) and character
 * trigrams (0.25), each scaled by 1 + ln(occurrences) so repetition counts,
 * but sublinearly.
 */
export function lexicalFeatures(text: string): Map<string, number> {
  const words = (
    text
      .toLowerCase()
      .normalize("NFKC")
      .match(/[\p{L}\p{N}]+(?:[-_.][\p{L}\p{N}]+)*/gu) ?? []
  ).filter((w) => !STOP_WORDS.has(w));
  const counts = new Map<string, number>();
  const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
  words.forEach((word, i) => {
    add(`w:${word}`);
    if (i > 0) add(`b:${words[i - 1]} ${word}`);
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

/**
 * The embedded default: a deterministic *lexical* embedding, not a language
 * model. Words, word pairs and character trigrams are hashed into
 * `dimension` signed buckets (weighted as in lexicalFeatures) and normalized, so
 * cosine similarity measures shared vocabulary. It needs no server and no
 * model weights; it does not know synonyms. Use Ollama for semantic search.
 */
export function createLexicalEmbedder(dimension: number): Embedder {
  return {
    provider: "embedded",
    model: `${EMBEDDED_EMBEDDING_MODEL}-${dimension}`,
    dimension,
    lexical: true,
    async embed(texts) {
      return texts.map((text) => {
        const vector = new Array<number>(dimension).fill(0);
        for (const [feature, weight] of lexicalFeatures(text)) {
          const h = hash(feature);
          vector[h % dimension]! += (h & 0x80000000 ? -1 : 1) * weight;
        }
        let norm = Math.hypot(...vector);
        // A text without words still needs a valid direction: cosine of a zero vector is undefined.
        if (norm === 0) {
          vector[0] = 1;
          norm = 1;
        }
        return vector.map((v) => v / norm);
      });
    },
  };
}
