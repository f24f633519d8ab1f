import { sifWeight, wordVectors } from "../../providers/word-vectors.js";

/**
 * Whether a visitor's question asks what a correction's question asks, once
 * the bot's embedder has found them similar. Embeddings place "opening
 * hours on Saturday" next to "opening hours on Sunday", and "how long does
 * a repair take" next to "how much does a repair cost": close in words, a
 * different question. Three things tell them apart here:
 * - names, numbers, days, months and holidays must be the same on both
 *   sides (a visitor asking about Saturday is not asking about Sunday);
 * - "how much" (an amount) is not "how long" or "how many" (a duration);
 * - a substitution: a weighty word on each side that nothing on the other
 *   side means (students ↔ seniors, cancel ↔ change). One side alone
 *   having words the other lacks is how people rephrase ("I forgot my
 *   password, how can I reset it?"), and is allowed.
 * Word meaning comes from the GloVe vectors of the "words" embedder,
 * whichever embedder the bot uses.
 */

/** Words that carry no subject: a question's frame. */
const FRAME = new Set(
  (
    "a an and are as at be but by can could do does did for from has have how i if in into is it its me my no not of on or our so that the their them " +
    "then there these they this to was we were what when where which who why will with would you your please tell know want like any get am us"
  ).split(" "),
);

/** Names of days, months and holidays: as telling as a name, though written in lower case too. */
const CALENDAR =
  /^(monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|january|february|march|april|may|june|july|august|september|october|november|december|christmas|easter)s?$/;

/** Two words mean the same here from this word-vector cosine up. */
const SYNONYM = 0.6;
/** A word weighs in a substitution from this smooth-inverse-frequency weight up ("long" 0.39 does not, "warranty" 0.99 does). */
const WEIGHTY = 0.5;

interface Word {
  text: string;
  /** A name, a number, a code, a day or a month: only the same word matches it. */
  exact: boolean;
}

function wordsOf(question: string): Word[] {
  const found: Word[] = [];
  let first = true;
  for (const match of question.matchAll(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu)) {
    const raw = match[0];
    const text = raw.toLowerCase();
    // Capitalized after the first word: a name (Belgium, PayPal), not the start of a sentence.
    const exact = /\p{N}/u.test(raw) || (!first && /^\p{Lu}/u.test(raw)) || CALENDAR.test(text);
    first = false;
    if (!FRAME.has(text)) found.push({ text, exact });
  }
  return found;
}

/** The word with common endings off: "discounts" and "discount", "opening" and "open", "payment" and "pay". */
const stem = (word: string) => word.replace(/(ments?|ings?|ed|es|s)$/, "");

const unitVectors = new Map<string, Float64Array | null>();

function unitVector(word: string): Float64Array | null {
  let vector = unitVectors.get(word);
  if (vector !== undefined) return vector;
  const vectors = wordVectors();
  const rank = vectors.rank(word);
  vector = null;
  if (rank !== undefined) {
    vector = new Float64Array(vectors.dimension);
    vectors.addTo(vector, rank, 1);
  }
  if (unitVectors.size > 50_000) unitVectors.clear();
  unitVectors.set(word, vector);
  return vector;
}

function cosine(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb || 1);
}

/** Whether two words name the same thing: the same word or stem, one the start of the other, or (neither a name) word vectors that agree. */
function means(a: Word, b: Word, synonym: number): boolean {
  if (a.text === b.text || stem(a.text) === stem(b.text)) return true;
  if ((a.text.length >= 3 && b.text.startsWith(a.text)) || (b.text.length >= 3 && a.text.startsWith(b.text))) return true;
  if (a.exact || b.exact) return false;
  for (const x of a.text.split("-")) {
    for (const y of b.text.split("-")) {
      if (x === y) return true;
      const vx = unitVector(x);
      const vy = unitVector(y);
      if (vx && vy && cosine(vx, vy) >= synonym) return true;
    }
  }
  return false;
}

function weight(word: Word): number {
  const rank = wordVectors().rank(word.text.split("-")[0]!);
  return rank === undefined ? 1 : sifWeight(rank);
}

/** What a question asks for: an amount ("how much") or a duration ("how long", "how many"), when it says. */
function asksFor(question: string): "amount" | "duration" | null {
  if (/\bhow much\b/i.test(question)) return "amount";
  if (/\bhow (long|many)\b/i.test(question)) return "duration";
  return null;
}

/**
 * Whether `asked` asks what `known` asks (see above); `similarity` is their
 * cosine by the bot's embedder. `synonym` is for the eval's sweep of the
 * word-vector cosine from which two words mean the same.
 */
export function sameQuestion(asked: string, known: string, similarity: number, threshold: number, { synonym = SYNONYM } = {}): boolean {
  if (similarity < threshold) return false;
  const [a, b] = [asksFor(asked), asksFor(known)];
  if (a && b && a !== b) return false;
  const askedWords = wordsOf(asked);
  const knownWords = wordsOf(known);
  const unmatched = (from: Word[], to: Word[]) => from.filter((word) => !to.some((other) => means(word, other, synonym)));
  const extra = unmatched(askedWords, knownWords);
  const missing = unmatched(knownWords, askedWords);
  if (extra.some((w) => w.exact) || missing.some((w) => w.exact)) return false;
  const substituted = extra.some((w) => weight(w) >= WEIGHTY) && missing.some((w) => weight(w) >= WEIGHTY);
  return !substituted;
}
