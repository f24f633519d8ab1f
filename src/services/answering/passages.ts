import type { SourceKind } from "@prisma/client";
import type { ChatPassage } from "../../providers/chat.js";

/**
 * The passages of an answer, as retrieval finds them, the gate weighs them
 * and an answer cites them: the types retrieval, answerability and chat
 * share, below all three.
 */

/** A chunk retrieval found for a question. */
export interface RetrievedChunk extends ChatPassage {
  id: bigint;
  sourceId: string;
  sourceType: SourceKind;
  /** Cosine similarity to the question, -1 to 1. */
  similarity: number;
  /** Fused rank score (reciprocal rank fusion of vector and full-text ranks). */
  score: number;
  /** Whether full-text search found it (exact words, codes, numbers). */
  matchedText: boolean;
}

/** How many of a bot's chunks hold each term, and how many chunks it has. */
export interface TermStatistics {
  chunks: number;
  holding: ReadonlyMap<string, number>;
}

/** A source an answer cites, from its best passage. */
export interface CitedSource {
  type: SourceKind;
  id: string;
  name: string;
  url: string | null;
  page: number | null;
  /** The heading its best passage sits under: it goes with the passage, the source keeps its own name. */
  section?: string | null;
  score: number;
  snippet: string;
}
