import { sentences } from "../../providers/sentences.js";
import { demandedKinds, holdsAskedValue } from "../../providers/value-kinds.js";
import type { RetrievedChunk, TermStatistics } from "./passages.js";

/**
 * Words that carry no subject: the question's form ("how", "what"), and
 * verbs and nouns every question may use ("tell", "know", "get").
 */
const FORM_WORDS = new Set(
  (
    "a an and are as at be been but by can could did do does for from had has have how i if in into is it its me my no not of on or our so " +
    "that the their them then there these they this those to was we were what when where which who whom whose why will with would you your " +
    "about any anything everything something get got give tell know need want please much many long often there's it's i'm yes also some " +
    "all more info information details explain describe show should shall may might must"
  ).split(" "),
);

/** A crude stem: what "refunds", "refunded" and "refunding" share with "refund". */
export function stem(word: string): string {
  const lower = word.toLowerCase();
  if (lower.length <= 4 || /\d/.test(lower)) return lower;
  return lower.replace(/(?:ing|ed|es|s|ly)$/, "").slice(0, 8);
}

/** A text's words as the gate reads them: runs of letters and digits. */
const wordsOf = (text: string): string[] => text.normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];

/** The words of a question that name what it is about, stemmed, once each. */
export function subjectTerms(question: string): string[] {
  return [
    ...new Set(
      wordsOf(question)
        .filter((w) => w.length > 1 && !FORM_WORDS.has(w.toLowerCase()))
        .map(stem),
    ),
  ].slice(0, 16);
}

/**
 * The names and codes a question asks about: letters with digits ("E3",
 * "T200"), capitals inside a word ("HomeKit", "PayPal"), acronyms ("DTLS"),
 * stemmed as subjectTerms stems them. A word may have synonyms in the
 * sources; a code has none, so one the sources never mention means they do
 * not hold the answer.
 */
export function codeTerms(question: string): string[] {
  const code = (w: string) => (/\p{L}/u.test(w) && /\d/.test(w)) || /\p{Ll}\p{Lu}/u.test(w) || /^\p{Lu}{2,}$/u.test(w);
  return [...new Set(wordsOf(question).filter(code).map(stem))];
}

/**
 * The names a question asks about: words written with a capital inside a
 * sentence ("Does zlib support Brotli?", "the capital of Australia"), stemmed
 * as subjectTerms stems them. Like a code, a name has no synonyms: one that
 * none of the bot's chunks mention means they do not hold the answer.
 */
export function nameTerms(question: string): string[] {
  const names: string[] = [];
  for (const sentence of question.normalize("NFKC").split(/[.!?]\s+/)) {
    const words = sentence.match(/[\p{L}\p{N}]+/gu) ?? [];
    for (const word of words.slice(1)) if (/^\p{Lu}\p{Ll}/u.test(word) && !FORM_WORDS.has(word.toLowerCase())) names.push(stem(word));
  }
  return [...new Set(names)];
}

/** Small words an expansion may hold without an initial of their own ("Bureau of Labor Statistics", BLS). */
const LINKING = new Set(["of", "and", "for", "the", "to", "in", "on", "&"]);

/**
 * The words of `text` that spell `acronym` with their initials, in a row
 * ("Command Line Interface" or "command-line interface" for CLI), or none.
 * A two-letter acronym must be spelled by capitalized words: "in particular"
 * is not IP.
 */
export function spelledOut(acronym: string, text: string): string[] | undefined {
  return spelledIn(acronym, wordsOf(text));
}

/** spelledOut over a text's words, read once by a caller that checks several acronyms against them. */
function spelledIn(acronym: string, words: readonly string[]): string[] | undefined {
  const letters = acronym.toLowerCase();
  if (letters.length < 2) return undefined;
  for (let start = 0; start < words.length; start++) {
    const run: string[] = [];
    let matched = 0;
    for (let k = start; k < words.length && matched < letters.length; k++) {
      const word = words[k]!;
      if (word[0]!.toLowerCase() === letters[matched] && (letters.length > 2 || /^\p{Lu}/u.test(word))) {
        run.push(word);
        matched++;
      } else if (run.length && LINKING.has(word.toLowerCase())) continue;
      else break;
    }
    if (matched === letters.length) return run;
  }
  return undefined;
}

/** The acronyms among a text's words, as written: "CLI", "GDPR". */
const acronymsOf = (words: readonly string[]): string[] => [...new Set(words.filter((w) => /^\p{Lu}{2,6}s?$/u.test(w)).map((w) => w.replace(/s$/, "")))];

/**
 * The question's words the passages hold in other letters: an acronym of the
 * question spelled out in the passages ("CLI" and "command-line
 * interface"), or words of the question that spell an acronym of the
 * passages. Documents define an acronym once and use one form after; the
 * question may use the other.
 */
function heldAsAcronyms(question: readonly string[], passages: readonly string[]): Set<string> {
  const held = new Set<string>();
  for (const acronym of acronymsOf(question)) if (spelledIn(acronym, passages)) held.add(stem(acronym));
  for (const acronym of acronymsOf(passages)) for (const word of spelledIn(acronym, question) ?? []) held.add(stem(word));
  return held;
}

/** Whether a stemmed word is a form of a term: "weigh" is in "weight", "member" in "membership" (a stem of five letters or more meets its longer forms either way). */
const meets = (word: string, term: string) => word === term || (Math.min(word.length, term.length) >= 5 && (word.startsWith(term) || term.startsWith(word)));

export interface Assessment {
  /** Whether the passages hold enough of what the question asks about to answer from them. */
  grounded: boolean;
  /** The share (0 to 1) of the question's subject the best passages cover, each word weighted by its rarity in the bot's chunks. */
  coverage: number;
}

/** The least coverage an answer needs; below it, the bot says it does not know (tuned with `npm run eval`). */
export const MIN_COVERAGE = 0.4;

/**
 * Whether the retrieved passages can answer the question. Every subject word
 * of the question weighs by how rare it is in the bot's own chunks (a word
 * that is everywhere, the product's name in its manual, says little; one
 * that is nowhere, "HomeKit", says the answer is not there), and the
 * coverage is the weight the best passages hold. A question sharing one
 * common word with the sources ("the boiling point on Mount Everest" and a
 * manual's "mount the plate") does not pass.
 */
export function assess(question: string, context: readonly RetrievedChunk[], stats: TermStatistics, { best = 3, minCoverage = MIN_COVERAGE } = {}): Assessment {
  const terms = subjectTerms(question);
  if (!context.length) return { grounded: false, coverage: 0 };
  // The best passages' words, read once: for acronyms and for the terms they hold.
  const passageWords = wordsOf(
    context
      .slice(0, best)
      .map((chunk) => chunk.content)
      .join("\n"),
  );
  const acronyms = heldAsAcronyms(wordsOf(question), passageWords);
  const absent = (term: string) => stats.holding.get(term) === 0 && !acronyms.has(term);
  if (codeTerms(question).some(absent) || nameTerms(question).some(absent)) return { grounded: false, coverage: 0 };
  // A question of form words alone ("What is it?") has nothing to check against.
  if (!terms.length) return { grounded: true, coverage: 1 };
  const present = [...new Set(passageWords.map(stem))];
  const holds = (term: string) => acronyms.has(term) || present.some((word) => meets(word, term));
  const weight = (term: string) => Math.log((stats.chunks + 1) / ((stats.holding.get(term) ?? 0) + 0.5));
  let total = 0;
  let covered = 0;
  for (const term of terms) {
    const w = Math.max(weight(term), 0.05);
    total += w;
    if (holds(term)) covered += w;
  }
  const coverage = covered / total;
  const grounded = coverage >= minCoverage && givesDemandedValue(question, terms, context.slice(0, best));
  return { grounded, coverage: Math.round(coverage * 1000) / 1000 };
}

/**
 * Whether the passages give the value a question cannot be answered without
 * ("How long does the test suite take?"): a sentence holding one of the
 * asked kind, in or next to a sentence about the question's subject (a
 * document may name the subject in one sentence and give its figure in the
 * next, as the extractive answerer allows). Passages about the subject that
 * give no such value describe it; they do not answer, and quoting them reads
 * as an answer that is not one.
 */
function givesDemandedValue(question: string, terms: readonly string[], passages: readonly RetrievedChunk[]): boolean {
  const kinds = demandedKinds(question);
  if (!kinds.length || !terms.length) return true;
  const aboutSubject = (sentence: string) => {
    const words = wordsOf(sentence).map(stem);
    return terms.some((term) => words.some((word) => meets(word, term)));
  };
  return passages.some((chunk) => {
    const said = sentences(chunk.content);
    const about = said.map(aboutSubject);
    return said.some((sentence, i) => holdsAskedValue(sentence, kinds) && (about[i] || about[i - 1] || about[i + 1]));
  });
}
