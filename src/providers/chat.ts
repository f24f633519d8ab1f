import type { Config } from "../config.js";
import { lexicalFeatures } from "./embeddings.js";
import { describeOllamaError, ollamaClient } from "./ollama.js";
import { optionTermOf, sentences } from "./sentences.js";
import { askedKinds, holdsAskedValue } from "./value-kinds.js";
import { EMBEDDED_CHAT_MODEL } from "./status.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A passage an answer may be drawn from: its text, and where it comes from. */
export interface ChatPassage {
  content: string;
  metadata: { source?: string; url?: string; page?: number; heading?: string; title?: string };
}

export interface ChatRequest {
  /** The model to use; the provider's default when absent. */
  model?: string | null;
  temperature: number;
  messages: ChatMessage[];
  /** The question and its retrieved context, for providers that answer from them directly. */
  question: string;
  context: ChatPassage[];
}

export type ChatChunk = { type: "token"; text: string } | { type: "done"; model: string; promptTokens: number | null; completionTokens: number | null };

/** Generates an answer, token by token. */
export interface ChatModel {
  readonly provider: "ollama" | "embedded";
  readonly defaultModel: string;
  stream(request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatChunk>;
}

/** The model provider failed: unreachable, model missing, or the stream broke. */
export class ChatModelError extends Error {
  override name = "ChatModelError";
}

export function createChatModel(config: Config): ChatModel {
  return config.OLLAMA_BASE_URL ? createOllamaChat({ host: config.OLLAMA_BASE_URL, model: config.CHAT_MODEL }) : createExtractiveChat();
}

/** Ollama's /api/chat with `stream: true`, through the official client; aborting the signal closes the request. */
export function createOllamaChat({ host, model: defaultModel }: { host: string; model: string }): ChatModel {
  return {
    provider: "ollama",
    defaultModel,
    async *stream(request, signal) {
      const model = request.model || defaultModel;
      const client = ollamaClient(host, signal);
      let stream: AsyncIterable<{ message: { content: string }; done: boolean; prompt_eval_count?: number; eval_count?: number; model: string }>;
      try {
        stream = await client.chat({ model, messages: request.messages, stream: true, options: { temperature: request.temperature } });
      } catch (error) {
        signal.throwIfAborted();
        throw describe(error, host, model);
      }
      let finished = false;
      try {
        for await (const part of stream) {
          if (part.message?.content) yield { type: "token", text: part.message.content };
          if (part.done) {
            finished = true;
            yield { type: "done", model: part.model || model, promptTokens: part.prompt_eval_count ?? null, completionTokens: part.eval_count ?? null };
          }
        }
      } catch (error) {
        signal.throwIfAborted();
        throw describe(error, host, model);
      }
      if (!finished) throw new ChatModelError(`Ollama's answer from ${model} stopped before it was complete.`);
    },
  };
}

function describe(error: unknown, host: string, model: string): ChatModelError {
  return new ChatModelError(describeOllamaError(error, host, model, "chat", "answer"), { cause: error });
}

/** What the embedded model says when no source is relevant. */
export const NOTHING_FOUND = "I could not find anything about that in my sources, so I cannot answer it.";

function similarity(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of a) {
    na += v * v;
    const w = b.get(k);
    if (w) dot += v * w;
  }
  for (const v of b.values()) nb += v * v;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Features weighted by how rare they are among the candidate sentences:
 * words every sentence shares (the topic itself, "return" in a returns
 * policy) tell them apart less than the rare ones a question names
 * ("custom", "wheel").
 */
function weighByRarity(candidates: Map<string, number>[]): (features: Map<string, number>) => Map<string, number> {
  const documents = new Map<string, number>();
  for (const features of candidates) for (const feature of features.keys()) documents.set(feature, (documents.get(feature) ?? 0) + 1);
  // A feature no sentence has cannot tell them apart: it weighs as little as one they all share.
  const idf = (feature: string) => Math.log(1 + candidates.length / (documents.get(feature) ?? candidates.length));
  return (features) => new Map([...features].map(([feature, weight]) => [feature, weight * idf(feature)]));
}

/**
 * Questions whose answer is a number, a time, a price, an address or a phone
 * number: "how long is the warranty?" is answered by "a warranty of 3 years",
 * not by "the warranty does not cover wiring", which shares as many words.
 */
const wantsNumber = (question: string) =>
  /^\s*(how (long|many|much|often|fast|far|big|old|heavy|soon|high|large)|when|what time|at what|which (port|year|day|number|version)|where)\b/i.test(
    question,
  ) || /\b(cost|price|fee|number|phone|address|weigh\w*|size|height|temperature|port|percent|amount|version|date|hours|deadline)\b/i.test(question);

/** How much more a sentence with a figure weighs for a question that wants one. */
const NUMBER_BONUS = 1.6;
/** …and how much more one holding a value of the asked kind (a speed for "how fast"). */
const KIND_BONUS = 2;

/** How much a sentence's score is multiplied by for holding what the question asks for. */
function valueBonus(question: string, kinds: ReturnType<typeof askedKinds>): (sentence: string) => number {
  const numeric = wantsNumber(question);
  return (sentence) => (kinds.length && holdsAskedValue(sentence, kinds) ? KIND_BONUS : numeric && /\d/.test(sentence) ? NUMBER_BONUS : 1);
}

/**
 * The sentences that may answer: a question in the sources (an FAQ's "Is
 * there parking?") is not an answer, but matching it says its answer is the
 * sentence after it, which takes its score. A sentence that overlapping
 * chunks repeat counts once, with its best score.
 */
function answersOf<T extends { text: string; chunk: number; i: number; score: number }>(scored: T[]): T[] {
  const byPlace = new Map(scored.map((s) => [`${s.chunk}:${s.i}`, s]));
  for (const s of scored) {
    if (!s.text.endsWith("?")) continue;
    const next = byPlace.get(`${s.chunk}:${s.i + 1}`);
    if (next && !next.text.endsWith("?")) next.score = Math.max(next.score, s.score);
  }
  const unique = new Map<string, T>();
  for (const s of scored) {
    if (s.text.endsWith("?")) continue;
    const key = s.text.toLowerCase().replace(/\s+/g, " ");
    const seen = unique.get(key);
    if (!seen || seen.score < s.score) unique.set(key, s);
  }
  return [...unique.values()];
}

/**
 * The sentence next to the best one that holds the value asked for, when
 * none of the picked ones does: a document names the subject in one sentence
 * and gives its figure in the next ("The connection was upgraded last year.
 * Downloads reach 1 Gbit/s."), and the figure shares no word with the question.
 */
function neighbourWithValue<T extends { text: string; chunk: number; i: number }>(
  picked: readonly T[],
  all: readonly T[],
  kinds: ReturnType<typeof askedKinds>,
): T | undefined {
  const top = picked[0];
  if (!top || !kinds.length || picked.some((s) => holdsAskedValue(s.text, kinds))) return undefined;
  return all.find((s) => s.chunk === top.chunk && Math.abs(s.i - top.i) === 1 && holdsAskedValue(s.text, kinds));
}

/** Picked sentences in reading order, as one text: an option two of them carry (see optionTermOf) is said once. */
function quoted(picked: readonly { text: string; chunk: number }[]): string {
  return picked
    .map((s, i) => {
      const before = picked[i - 1];
      const term = optionTermOf(s.text);
      return term && before?.chunk === s.chunk && optionTermOf(before.text) === term ? s.text.slice(term.length + 1).trim() : s.text;
    })
    .join(" ");
}

/**
 * The picked sentences in reading order, grouped by the source they come
 * from (by its name, which a document's chunks share), each group said in
 * that name ("According to …"), the best ranked source first: one prefix for
 * them all would say another document's sentence in the first one's name.
 */
function attributed(picked: { text: string; chunk: number; i: number }[], context: ChatRequest["context"]): string {
  const nameOf = (chunk: number) => context[chunk]!.metadata.title ?? context[chunk]!.metadata.source ?? "";
  const bySource = new Map<string, typeof picked>();
  for (const s of [...picked].sort((a, b) => a.chunk - b.chunk || a.i - b.i)) {
    const name = nameOf(s.chunk);
    bySource.set(name, [...(bySource.get(name) ?? []), s]);
  }
  return [...bySource]
    .map(([name, group]) => {
      const page = context[group[0]!.chunk]!.metadata.page;
      return (name ? `According to ${name}${page ? ` (page ${page})` : ""}: ` : "") + quoted(group);
    })
    .join(" ");
}

/**
 * The embedded default: an *extractive* answerer, not a language model. It
 * picks the sentences of the retrieved chunks that share the most with the
 * question and streams them word by word, naming where they come from. It
 * never writes anything its sources do not say; when nothing relevant was
 * retrieved, it says so. The final event names it as the model.
 */
export function createExtractiveChat({ maxSentences = 3, minScore = 0.05 }: { maxSentences?: number; minScore?: number } = {}): ChatModel {
  return {
    provider: "embedded",
    defaultModel: EMBEDDED_CHAT_MODEL,
    async *stream(request, signal) {
      const candidates = request.context.flatMap((chunk, c) =>
        sentences(chunk.content).map((text, i) => ({ text, chunk: c, i, features: lexicalFeatures(text) })),
      );
      const weigh = weighByRarity(candidates.map((s) => s.features));
      const question = weigh(lexicalFeatures(request.question));
      const kinds = askedKinds(request.question);
      const bonus = valueBonus(request.question, kinds);
      const scored = answersOf(candidates.map((s) => ({ ...s, score: similarity(question, weigh(s.features)) * bonus(s.text) })));
      const ranked = scored.filter((s) => s.score >= minScore).sort((a, b) => b.score - a.score);
      // Sentences far behind the best one are padding, not answer.
      const best = ranked.filter((s) => s.score >= ranked[0]!.score / 2).slice(0, maxSentences);
      const neighbour = neighbourWithValue(best, scored, kinds);
      if (neighbour) best.splice(Math.min(best.length, maxSentences - 1), 1, neighbour);
      let answer: string;
      if (!best.length) {
        answer = NOTHING_FOUND;
      } else {
        answer = attributed(best, request.context);
      }
      const words = answer.split(/(?<=\s)/);
      for (const word of words) {
        signal.throwIfAborted();
        yield { type: "token", text: word };
        // Let other streams and requests run between words.
        await new Promise((resolve) => setImmediate(resolve));
      }
      yield { type: "done", model: EMBEDDED_CHAT_MODEL, promptTokens: null, completionTokens: words.length };
    },
  };
}
