/**
 * What kind of value a question asks for, and whether a sentence holds one
 * of that kind. "How fast is the connection?" is answered by "1 Gbit/s",
 * not by "the connection was upgraded in 2021", which has a figure too; "the
 * default batch size" by the sentence that says what the default is. The
 * extractive answerer prefers a sentence holding the asked kind over its
 * neighbours about the same subject; the answerability gate refuses a
 * question that demands a value ("How long does it take?") when no passage
 * gives one of its kind.
 */

interface ValueKind {
  /** The question asks for it. */
  asked: RegExp;
  /** A sentence holds one. */
  held: RegExp;
  /**
   * The question cannot be answered without one ("how fast", "what does it
   * cost"): narrower than `asked`, which also catches questions that merely
   * name the kind ("Is there storage space?").
   */
  demanded?: RegExp;
}

const N = String.raw`\d[\d.,]*\s*`;
/**
 * A figure in digits or words before a unit spelled out, with up to two words
 * between ("thirty days", "2 to 3 working days", "an hour"; the unit spelled
 * out, so that "one in ten" is no length).
 */
const FIGURE = String.raw`(?:\d[\d.,]*|\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|several|a few))[ -](?:[\p{L}-]+ ){0,2}`;

/** "Which version added it?": only a version answers it. */
const WHICH_VERSION = /\b(which|what) (\w+ )?(version|release)\b/i;

const KINDS: ValueKind[] = [
  {
    asked: /\b(how fast|speed|throughput|bandwidth|bit ?rate)\b/i,
    demanded: /\bhow fast\b|\bwhat (is|are) the (\w+ )?(speed|throughput|bandwidth)\b/i,
    held: new RegExp(String.raw`${N}([kmgt]?(bit|b|byte)s?\/s|[kmg]bps|km\/h|mph|rpm)\b|\bper (second|minute|hour)\b`, "i"),
  },
  {
    asked: /\b(weigh\w*|heavy|mass|load)\b/i,
    held: new RegExp(String.raw`${N}(kg|g|lbs?|pounds?|kilos?|grams?|tonnes?)\b`, "i"),
    demanded: /\bhow heavy\b|\b(how much|what) (does|do|did) .{1,50}\bweigh\b/i,
  },
  {
    asked: /\b(size|how (big|large)|space|storage|memory|capacity|dimensions?)\b/i,
    held: new RegExp(String.raw`${N}([kmgt]i?b|bytes?|mm|cm|m|inch(es)?|in|ft|feet)\b`, "i"),
    demanded: /\bhow (big|large)\b|\bwhat (is|are) the (\w+ )?(size|dimensions|capacity)\b/i,
  },
  {
    asked: /\b(how (far|long|tall|high|wide|deep)|distance|length|height|width|depth)\b/i,
    held: new RegExp(String.raw`${N}(mm|cm|m|km|inch(es)?|in|ft|feet|miles?|metres?|meters?|bytes?)\b`, "i"),
    // "How long" asks for a length or a duration: either kind answers it.
    demanded: /\bhow (far|long|tall|high|wide|deep)\b/i,
  },
  {
    asked: /\b(how long|how soon|how often|duration|time ?out|deadline|within)\b/i,
    held: new RegExp(
      String.raw`${N}(ms|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?)\b|\b(daily|weekly|monthly|yearly|hourly)\b|${FIGURE}(seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b`,
      "iu",
    ),
    // Not "how often" or "how soon": "on every push" and "as soon as it is paid" answer them without a figure.
    // "How fast do parcels ship?" is answered by a time ("within two days"), as "how fast is the line?" by a speed.
    demanded: /\bhow (long|fast|quickly)\b/i,
  },
  { asked: /\b(temperature|how (hot|cold|warm))\b/i, held: /\d\s*°|\bdegrees?\b/i, demanded: /\bhow (hot|cold|warm)\b|\bwhat temperature\b/i },
  {
    asked: /\b(cost|price|fee|charge|how much (does|is|do|are|will))\b/i,
    held: new RegExp(String.raw`[€$£¥]\s*\d|${N}(€|eur|usd|gbp|dollars?|euros?|cents?)\b|\bfree\b`, "i"),
    demanded: /\b(how much|what) (does|do|did|will|would|is|are) .{1,50}\bcost\b|\bwhat (is|are) the (\w+ )?(price|cost|fee)s?\b/i,
  },
  {
    asked: /\b(percent|percentage|ratio|factor|how much (more|less|better|faster|smaller|space))\b/i,
    held: /\d\s*(%|x\b|×)|\b(percent|times)\b/i,
    demanded: /\bwhat (percentage|proportion|fraction)\b|\bhow many percent\b/i,
  },
  { asked: WHICH_VERSION, held: /\bv?\d+\.\d+(\.\d+)*\b|\b(version|release) \d+\b/i, demanded: WHICH_VERSION },
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

/** The kinds of value a question cannot be answered without: none for most questions. */
export function demandedKinds(question: string): readonly ValueKind[] {
  return KINDS.filter((kind) => kind.demanded?.test(question));
}

/** Whether a sentence holds a value of one of the asked kinds. */
export const holdsAskedValue = (sentence: string, kinds: readonly ValueKind[]) => kinds.some((kind) => kind.held.test(sentence));
