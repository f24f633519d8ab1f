/**
 * The sentences of a passage, as the extractive answerer quotes them.
 *
 * Documents keep their author's line breaks: a paragraph of an HTML page or
 * a DOCX is one line, but a man page, an FAQ, release notes or a PDF's text
 * are hard-wrapped, one paragraph over many lines of about the same width.
 * Taken line by line, a wrapped sentence is cut where the line ends ("The
 * deflation algorithm used by gzip is a variation of"), and the fact is on
 * the next line. So lines are first joined back into the paragraphs they were
 * wrapped from, the way `fmt` and e-mail readers unwrap text, and then split
 * into sentences.
 */

/** How far short of the width a hand-wrapped line may end. */
const RAGGED = 0.85;
/** Wrapped text is at least this wide; shorter lines are lists, addresses, table rows. */
const MIN_WRAP_WIDTH = 50;
/** …and at most this wide: a longer line is a paragraph of its own, not a wrapped one. */
const MAX_WRAP_WIDTH = 120;

/**
 * Whether a line is a heading: Markdown's, or a short line of words alone,
 * without closing punctuation, digits or a colon ("Warranty and service", not
 * "Phone: +31 30 123 4567"). A heading names a topic; glued to the next
 * sentence of an answer it reads badly.
 */
export const isHeading = (line: string) =>
  /^\s*#/.test(line) || (/\p{L}\s*$/u.test(line) && !/[\d:/$=<>{}[\]`_\\|@]/.test(line) && !/^\s*[-.]/.test(line) && line.trim().split(/\s+/).length <= 5);

/** A line that is mostly markup (XML or HTML a document carried along): no answer is made of it. */
export function isMarkup(line: string): boolean {
  const tags = line.match(/<\/?[a-z][\w:.-]*(?:\s[^<>]*)?\/?>/gi) ?? [];
  return tags.length >= 2 && tags.join("").length > line.length * 0.3;
}

/** A line that starts something of its own: a list item, a table row, a heading, a code fence. */
const startsBlock = (line: string) => /^\s*(?:[-*+•○◦▪]\s|\d{1,3}[.)]\s|\||#|\x60{3}|<)/.test(line);

/**
 * The width a passage was wrapped at: its longest line, among those a
 * wrapping tool could have made. None when the passage is not wrapped.
 */
function wrapWidth(lines: string[]): number | null {
  let width = 0;
  for (const line of lines) if (line.length <= MAX_WRAP_WIDTH) width = Math.max(width, line.length);
  return width >= MIN_WRAP_WIDTH ? width : null;
}

/**
 * Whether `next` continues the paragraph `line` was wrapped from: the line
 * was broken because the next word would not have fitted. A short line ends
 * its paragraph, however it ends.
 */
function continues(line: string, next: string, width: number): boolean {
  if (!line.trim() || !next.trim() || startsBlock(next) || /^\s*#/.test(line) || isMarkup(line)) return false;
  const firstWord = next.trim().split(/\s/, 1)[0]!;
  // Authors wrap by hand as well as by tool: a line ending a little short of the width still continues.
  return !line.endsWith(":") && line.length + 1 + firstWord.length > width * RAGGED;
}

/**
 * A wrapped line joined to the next. A word a typesetter broke across the
 * lines ("transpar‐" over "ently", as man pages render) is mended: the
 * break is marked with a hyphen of its own (U+2010) or a soft one (U+00AD).
 */
function joinWrapped(line: string, next: string): string {
  return /\p{L}[\u2010\u00ad]$/u.test(line) && /^\p{Ll}/u.test(next) ? `${line.slice(0, -1)}${next}` : `${line} ${next}`;
}

const indentOf = (line: string) => /^\s*/.exec(line)![0].length;

/**
 * Whether `line` is a term that the more deeply indented `next` describes,
 * as in a man page's options ("-k --keep" over "Keep (don't delete) input
 * files"): short, not a sentence of its own. The term is what a question
 * names, so it stays with its description.
 */
const describedBy = (line: string, next: string) =>
  line.trim().length > 0 &&
  line.trim().length <= 40 &&
  !/[.!?:;,]$/.test(line) &&
  !startsBlock(line) &&
  next.trim().length > 0 &&
  indentOf(next) > indentOf(line);

/**
 * Whether `line` is a command-line option over its description a blank line
 * below ("○   --raw-output / -r:", blank, "With this option, …"), as manual
 * pages rendered from Markdown set them.
 */
const optionOver = (line: string, description: string) =>
  /^\s*(?:[-*+•○◦▪]\s+)?--?\w[^.!?]{0,60}:?$/.test(line) && description.trim().length > 0 && indentOf(description) > indentOf(line);

/** Lines joined back into the paragraphs they were wrapped from, and terms to their descriptions. */
export function unwrap(text: string): string[] {
  const lines = text.split("\n").map((line) => line.trimEnd());
  const width = wrapWidth(lines);
  const joined: string[] = [];
  let current = lines[0] ?? "";
  for (let i = 1; i < lines.length; i++) {
    const [line, next, after] = [lines[i - 1]!, lines[i]!, lines[i + 1] ?? ""];
    // A section's name over its first term ("OPTIONS" over "-k --keep") is no term of that term.
    if (current === line && describedBy(line, next) && !describedBy(next, after)) current = `${current}: ${next.trim()}`;
    else if (current === line && !next.trim() && optionOver(line, after)) {
      current = `${current}${line.endsWith(":") ? "" : ":"} ${after.trim()}`;
      i++;
    } else if (width !== null && continues(line, next, width)) current = joinWrapped(current, next.trim());
    else {
      joined.push(current);
      current = next;
    }
  }
  joined.push(current);
  return joined;
}

/** A sentence this short ("Yes.", "Not by itself, no.", "Trademarks.") says little alone: it goes with the next one. */
const MIN_WORDS = 5;

/** A line's sentences; not split after an initial ("P. Deutsch") or "e.g.", and short ones kept with the next. */
function splitSentences(line: string): string[] {
  const parts = line.split(/(?<=[.!?])(?<!(?:^|[\s([])(?:\p{Lu}|e\.g|i\.e|cf|vs)\.)\s+/u);
  const merged: string[] = [];
  let pending = "";
  for (const part of parts) {
    const sentence = pending ? `${pending} ${part}` : part;
    if (sentence.trim().split(/\s+/).length < MIN_WORDS) pending = sentence;
    else {
      merged.push(sentence);
      pending = "";
    }
  }
  if (pending) merged.push(pending);
  return merged;
}

/** A command-line option heading its description ("--stream: Parse the input…", "-e / --exit-status: Sets…"). */
const OPTION_TERM = /^(--?\w[\w-]*(?:\s*(?:\/|,|and)\s*--?\w[\w-]*)*(?:\s+[\w-]+){0,2}):\s/;

/**
 * A line's sentences; every sentence of an option's description carries the
 * option: "This is useful for processing very large inputs." is an answer
 * only with the "--stream" it is about.
 */
function withTerm(line: string): string[] {
  const parts = splitSentences(line);
  const term = OPTION_TERM.exec(line)?.[1];
  return term ? parts.map((part, i) => (i === 0 ? part : `${term}: ${part}`)) : parts;
}

/** The option a sentence carries (see withTerm), if it carries one: an answer quoting two of its sentences says it once. */
export const optionTermOf = (sentence: string): string | undefined => OPTION_TERM.exec(sentence)?.[1];

/** Sentences of a passage, without headings, markup and list bullets. */
export function sentences(text: string): string[] {
  return unwrap(text)
    .filter((line) => line.trim() && !isHeading(line) && !isMarkup(line))
    .map((line) =>
      line
        .replace(/^\s*(?:[-*+•○◦▪]|\d{1,3}[.)])\s+/, "")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .flatMap(withTerm)
    .map((s) => s.trim())
    .filter((s) => s.length > 3);
}
