/**
 * What kind of value a question asks for, and whether a sentence holds one
 * of that kind. "How fast is the connection?" is answered by "1 Gbit/s",
 * not by "the connection was upgraded in 2021", which has a figure too; "the
 * default batch size" by the sentence that says what the default is. The
 * extractive answerer prefers a sentence holding the asked kind over its
 * neighbours about the same subject.
 */

interface ValueKind {
  /** The question asks for it. */
  asked: RegExp;
  /** A sentence holds one. */
  held: RegExp;
}

const N = String.raw`\d[\d.,]*\s*`;

const KINDS: ValueKind[] = [
  {
    asked: /\b(how fast|speed|throughput|bandwidth|bit ?rate)\b/i,
    held: new RegExp(String.raw`${N}([kmgt]?(bit|b|byte)s?\/s|[kmg]bps|km\/h|mph|rpm)\b|\bper (second|minute|hour)\b`, "i"),
  },
  { asked: /\b(weigh\w*|heavy|mass|load)\b/i, held: new RegExp(String.raw`${N}(kg|g|lbs?|pounds?|kilos?|grams?|tonnes?)\b`, "i") },
  {
    asked: /\b(size|how (big|large)|space|storage|memory|capacity|dimensions?)\b/i,
    held: new RegExp(String.raw`${N}([kmgt]i?b|bytes?|mm|cm|m|inch(es)?|in|ft|feet)\b`, "i"),
  },
  {
    asked: /\b(how (far|long|tall|high|wide|deep)|distance|length|height|width|depth)\b/i,
    held: new RegExp(String.raw`${N}(mm|cm|m|km|inch(es)?|in|ft|feet|miles?|metres?|meters?|bytes?)\b`, "i"),
  },
  {
    asked: /\b(how long|how soon|how often|duration|time ?out|deadline|within)\b/i,
    held: new RegExp(
      String.raw`${N}(ms|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?)\b|\b(daily|weekly|monthly|yearly|hourly)\b`,
      "i",
    ),
  },
  { asked: /\b(temperature|how (hot|cold|warm))\b/i, held: /\d\s*°|\bdegrees?\b/i },
  {
    asked: /\b(cost|price|fee|charge|how much (does|is|do|are|will))\b/i,
    held: new RegExp(String.raw`[€$£¥]\s*\d|${N}(€|eur|usd|gbp|dollars?|euros?|cents?)\b|\bfree\b`, "i"),
  },
  { asked: /\b(percent|percentage|ratio|factor|how much (more|less|better|faster|smaller|space))\b/i, held: /\d\s*(%|x\b|×)|\b(percent|times)\b/i },
  {
    asked: /\b(range|limit|threshold|minimum|maximum|at (least|most)|max|min)\b/i,
    held: /\d[^.;]{0,20}\b(to|and)\s+\d|\d\s*[–-]\s*\d|\b(up to|at (most|least)|maximum|minimum|max|min|limited to)\b[^.;]{0,20}\d/i,
  },
  { asked: /\bdefault\b/i, held: /\bdefaults?\b[^.;]{0,30}\b(is|are|to|of)\b|\bby default\b/i },
  {
    asked: /\b(when|what (year|date|day)|which (year|date)|release date|released)\b/i,
    held: /\b(1[89]|20)\d\d\b|\b(january|february|march|april|may|june|july|august|september|october|november|december)\b|\d{4}-\d\d-\d\d/i,
  },
];

/** The kinds of value a question asks for: none when it asks for none this list knows. */
export function askedKinds(question: string): readonly ValueKind[] {
  return KINDS.filter((kind) => kind.asked.test(question));
}

/** Whether a sentence holds a value of one of the asked kinds. */
export const holdsAskedValue = (sentence: string, kinds: readonly ValueKind[]) => kinds.some((kind) => kind.held.test(sentence));
