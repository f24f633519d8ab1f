/**
 * What the embedded answerer says, and when any answerer may answer at all,
 * on passages: the answerability gate (src/services/answering/answerability.ts), the
 * extractive answerer (src/providers/chat.ts) and how it reads sentences
 * (src/providers/sentences.ts). End to end: answers.test.ts.
 */
import { describe, expect, it } from "@jest/globals";
import { createExtractiveChat, NOTHING_FOUND } from "../src/providers/chat.js";
import { sentences } from "../src/providers/sentences.js";
import { assess, codeTerms, nameTerms, spelledOut, stem, subjectTerms } from "../src/services/answering/answerability.js";
import type { RetrievedChunk } from "../src/services/answering/retrieval.js";

const chunk = (content: string, source = "manual.html", id = 1n): RetrievedChunk => ({
  id,
  sourceId: source,
  sourceType: "DOCUMENT",
  content,
  metadata: { source },
  similarity: 0.5,
  score: 0.03,
  matchedText: true,
});

async function answer(question: string, context: RetrievedChunk[]): Promise<string> {
  let text = "";
  for await (const part of createExtractiveChat().stream({ temperature: 0, messages: [], question, context }, new AbortController().signal)) {
    if (part.type === "token") text += part.text;
  }
  return text;
}

describe("the extractive answerer", () => {
  it("answers in words, never with markup a document carried along", async () => {
    const xmp = chunk(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description dc:format="application/pdf"><dc:title>Warranty terms</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>\nThe warranty on the boiler lasts five years from installation.',
    );
    const said = await answer("How long does the boiler warranty last?", [xmp]);
    expect(said).toContain("The warranty on the boiler lasts five years from installation.");
    expect(said).not.toMatch(/<[a-z:]+[ >]/i);
  });

  it("says each sentence in the name of the document it comes from, the best ranked first", async () => {
    const returns = {
      ...chunk("Refunds for returned boilers take up to 14 days.", "Returns policy", 1n),
      metadata: { title: "Returns policy" },
    };
    const guide = chunk("A returned boiler is tested before its refund.", "install-guide.pdf", 2n);
    const said = await answer("How long does the refund for a returned boiler take?", [returns, guide]);
    expect(said).toBe(
      "According to Returns policy: Refunds for returned boilers take up to 14 days. According to install-guide.pdf: A returned boiler is tested before its refund.",
    );
  });
});

describe("the answerability gate", () => {
  const manual = [chunk("Mount the wall plate at a height of about 1.5 metres, away from radiators. The T200 works with 24 volt systems only.")];
  // The bot's chunks: "t200" and "mount" are in some, "everest", "homekit" and "boiling" in none.
  const stats = {
    chunks: 20,
    holding: new Map([
      ["t200", 12],
      ["mount", 1],
      ["height", 1],
      ["plate", 2],
      ["work", 2],
    ]),
  };

  it("passes a question whose subject the passages hold", () => {
    expect(assess("At what height should I mount the plate?", manual, stats)).toMatchObject({ grounded: true, coverage: 1 });
  });

  it("refuses one that shares a common word with them, or only the product's name", () => {
    expect(assess("What is the boiling point of water on Mount Everest?", manual, stats).grounded).toBe(false);
    expect(assess("Does the T200 work with Apple HomeKit?", manual, stats).grounded).toBe(false);
    expect(assess("Anything at all?", [], stats)).toEqual({ grounded: false, coverage: 0 });
  });

  it("reads an acronym and its expansion as one subject, whichever form the question and the passages use", () => {
    const spelled = [chunk("The command-line interface takes a --dry-run option. The graphical user interface has none.")];
    const abbreviated = [chunk("Run the CLI with --dry-run to see what would change. The GUI has no such switch.")];
    // The bot's chunks spell out "command-line interface" and never write CLI (or the reverse).
    const counts = {
      chunks: 20,
      holding: new Map([
        ["cli", 0],
        ["api", 0],
        ["command", 2],
        ["line", 3],
        ["interface", 2],
        ["dry", 1],
        ["run", 4],
        ["option", 2],
      ]),
    };
    expect(assess("Does the CLI have a dry run option?", spelled, counts).grounded).toBe(true);
    expect(assess("Does the command line interface have a dry run option?", abbreviated, counts).grounded).toBe(true);
    // A code no passage spells out is still absent.
    expect(assess("Does the API have a dry run option?", spelled, counts).grounded).toBe(false);
  });

  it("refuses a question about a name none of the bot's chunks mention, as it does a code", () => {
    const faq = [chunk("zlib supports the deflate compression method only. Other compression methods are not supported by zlib.")];
    const counts = {
      chunks: 30,
      holding: new Map([
        ["zlib", 25],
        ["support", 4],
        ["brotli", 0],
        ["compression", 12],
        ["deflate", 9],
      ]),
    };
    expect(assess("Does zlib support deflate compression?", faq, counts).grounded).toBe(true);
    expect(assess("Does zlib support Brotli compression?", faq, counts).grounded).toBe(false);
    // A capital that starts a sentence is not a name.
    expect(nameTerms("Brotli? Does Google's compressor beat it. What about Zstandard")).toEqual(["google", "zstandard"].map(stem));
  });

  it("spells out acronyms by initials in a row, with small linking words, and two-letter ones only from capitals", () => {
    expect(spelledOut("CLI", "use the command-line interface")).toEqual(["command", "line", "interface"]);
    expect(spelledOut("BLS", "the Bureau of Labor Statistics reported")).toEqual(["Bureau", "Labor", "Statistics"]);
    expect(spelledOut("IP", "in particular, the Internet Protocol")).toEqual(["Internet", "Protocol"]);
    expect(spelledOut("IP", "in particular, this one")).toBeUndefined();
    expect(spelledOut("GDPR", "the general rules")).toBeUndefined();
  });

  it("refuses a question about a name or code that none of the bot's chunks mention", () => {
    const errors = [chunk("E1 means the thermostat cannot reach your boiler. E4 means the Wi-Fi password was rejected.")];
    const counts = {
      chunks: 20,
      holding: new Map([
        ["error", 2],
        ["e1", 1],
        ["e4", 1],
        ["e3", 0],
        ["mean", 3],
        ["thermost", 6],
      ]),
    };
    expect(codeTerms("Does the T200 work with Apple HomeKit over DTLS at 5 GHz?")).toEqual(["t200", "homekit", "dtls"]);
    expect(assess("What does error E3 mean on the thermostat?", errors, counts)).toEqual({ grounded: false, coverage: 0 });
    expect(assess("What does error E4 mean on the thermostat?", errors, counts).grounded).toBe(true);
  });

  it("refuses a question that demands a value when no passage about its subject gives one of that kind", () => {
    const notes = [
      chunk(
        "The test suite runs on every commit. Run it with make check; each test prints its name. The archive holds 12 files. Downloads of the nightly build reach 40 MB/s.",
      ),
    ];
    const testStats = { chunks: 20, holding: new Map(Object.entries({ test: 3, suite: 1, run: 4, download: 1, nightly: 1, build: 2 })) };
    // About the subject, but no duration anywhere: describing the suite is not saying how long it takes.
    expect(assess("How long does the test suite take to run?", notes, testStats).grounded).toBe(false);
    expect(assess("How do I run the test suite?", notes, testStats).grounded).toBe(true);
    // A speed beside the subject answers "how fast"; a figure of another kind (12 files) would not.
    expect(assess("How fast are downloads of the nightly build?", notes, testStats).grounded).toBe(true);
    const slow = [chunk("Downloads of the nightly build are slow at times. The archive holds 12 files.")];
    expect(assess("How fast are downloads of the nightly build?", slow, testStats).grounded).toBe(false);
    // "How fast" is answered by a time as well as by a speed.
    const shipping = [chunk("Parcels ship within two days of the order.")];
    expect(
      assess("How fast do parcels ship?", shipping, {
        chunks: 20,
        holding: new Map([
          ["parcel", 1],
          ["ship", 1],
        ]),
      }).grounded,
    ).toBe(true);
    // The subject beside the value in another form of its word: "installing" for "installation".
    const install = [chunk("Installing the update takes about 20 minutes on most machines.")];
    expect(
      assess("How long does the installation take?", install, {
        chunks: 20,
        holding: new Map([
          ["installat", 1],
          ["take", 1],
        ]),
      }).grounded,
    ).toBe(true);
    // A duration in words is a duration, with a word between the figure and its unit or not.
    const repairs = [chunk("Repairs take two to three working days, and we call you when your bike is ready.")];
    expect(
      assess("How long do repairs take?", repairs, {
        chunks: 20,
        holding: new Map([
          ["repair", 1],
          ["take", 1],
        ]),
      }).grounded,
    ).toBe(true);
    const cure = [chunk("You become compliant again if you fix the breach within thirty days of the notice.")];
    expect(
      assess("How long do I have to fix a breach after the notice?", cure, {
        chunks: 20,
        holding: new Map([
          ["fix", 1],
          ["breach", 1],
          ["notice", 2],
        ]),
      }).grounded,
    ).toBe(true);
  });

  it("reads a question's subject, not its form", () => {
    expect(subjectTerms("Tell me everything about the refunds, please")).toEqual(["refund"]);
  });
});

describe("the extractive answerer", () => {
  it("answers an FAQ's question with the sentence after it, not the question", async () => {
    const faq = chunk("Can I bring my dog?\nWell-behaved dogs are welcome on Fridays only.\nIs coffee included?\nCoffee is free for members.", "faq.txt");
    const text = await answer("Can I bring my dog?", [faq]);
    expect(text).toContain("dogs are welcome on Fridays only");
    expect(text).not.toContain("Can I bring my dog?");
  });

  it("says a sentence once when overlapping chunks both hold it", async () => {
    const text = await answer("Does STP have encryption?", [
      chunk("STP version 2 has no encryption of its own.", "stp.md", 1n),
      chunk("STP version 2 has no encryption of its own. Use DTLS.", "stp.md", 2n),
    ]);
    expect(text.match(/has no encryption/g)).toHaveLength(1);
  });

  it("prefers the sentence holding a value of the kind asked for over a neighbour with another figure", async () => {
    const passage = chunk(
      "The internet connection of the coworking space was upgraded in 2021 for all 40 desks. Downloads reach 1 Gbit/s on the fibre line. The default desk booking lasts 4 hours; by default it starts at nine.",
    );
    // The figure is in the sentence after the one naming the subject, and shares no word with the question.
    expect(await answer("How fast is the internet connection?", [passage])).toContain("Downloads reach 1 Gbit/s");
    expect(await answer("What is the default length of a desk booking?", [passage])).toContain("4 hours");
    expect(await answer("When was the internet connection upgraded?", [passage])).toContain("upgraded in 2021");
  });

  it("prefers the sentence with the figure when the question asks for one", async () => {
    const text = await answer("How long is the warranty?", [
      chunk("The warranty does not cover damage caused by wrong wiring. The T200 comes with a warranty of 3 years from the date of purchase."),
    ]);
    expect(text).toContain("a warranty of 3 years");
  });

  it("reads hard-wrapped text as the paragraphs it was wrapped from", async () => {
    const wrapped = chunk(
      [
        "The deflation algorithm used by the archiver is a variation of the",
        "sliding-window method. Distances are limited to 32K bytes, and lengths",
        "are limited to 258 bytes. When a string does not occur anywhere in the",
        "previous window, it is emitted as a sequence of literal bytes.",
      ].join("\n"),
      "notes.txt",
    );
    expect(await answer("What is the longest match length?", [wrapped])).toContain("lengths are limited to 258 bytes");
    expect(sentences(wrapped.content)).toContain("The deflation algorithm used by the archiver is a variation of the sliding-window method.");
  });

  it("keeps a manual's option with its description, short lines and lists apart", () => {
    const manual = [
      "OPTIONS",
      "       -k --keep",
      "              Keep (don't delete) input files during compression or",
      "              decompression.",
      "",
      "Contact:",
      "- Call us on weekdays between nine and five",
      "- Write to help@example.com at any time",
    ].join("\n");
    expect(sentences(manual)).toEqual([
      "-k --keep: Keep (don't delete) input files during compression or decompression.",
      "Contact:",
      "Call us on weekdays between nine and five",
      "Write to help@example.com at any time",
    ]);
  });

  it("says a short sentence together with the next, and does not split after an initial", () => {
    expect(sentences("Yes. The shop is open on Sundays from ten.")).toEqual(["Yes. The shop is open on Sundays from ten."]);
    expect(sentences("The format is specified by P. Deutsch in RFC 1952, version 4.3.")).toEqual([
      "The format is specified by P. Deutsch in RFC 1952, version 4.3.",
    ]);
  });

  it("mends a word a typesetter broke across lines, and keeps a parenthesised e.g. inside its sentence", () => {
    const manPage = [
      "       The archiver will only attempt to compress regular files.  In par\u2010",
      "       ticular, it will ignore symbolic links, and GNU tar invokes it transpar\u2010",
      "       ently with the -z option.  A line of its own ends here, quite short.",
    ].join("\n");
    expect(sentences(manPage)).toEqual([
      "The archiver will only attempt to compress regular files.",
      "In particular, it will ignore symbolic links, and GNU tar invokes it transparently with the -z option.",
      "A line of its own ends here, quite short.",
    ]);
    expect(sentences("Set a custom filter chain (e.g. a BCJ filter before LZMA2) with --filters.")).toHaveLength(1);
  });

  it("keeps an option a blank line above its description with every sentence of it, and says it once in an answer", async () => {
    const manual = [
      "       ○   --compact-output / -c:",
      "",
      "           By default, the tool pretty-prints its output. Using this option",
      "           will result in more compact output by putting each record on a",
      "           single line.",
      "",
      "       ○   --tab:",
      "",
      "           Use a tab for each indentation level.",
    ].join("\n");
    expect(sentences(manual)).toEqual([
      "--compact-output / -c: By default, the tool pretty-prints its output.",
      "--compact-output / -c: Using this option will result in more compact output by putting each record on a single line.",
      "--tab: Use a tab for each indentation level.",
    ]);
    const said = await answer("How do I print each record on a single line instead of pretty-printing?", [chunk(manual, "tool.1")]);
    expect(said).toContain("--compact-output / -c");
    expect(said.match(/--compact-output/g)).toHaveLength(1);
  });

  it("does not take a line of code for a heading", () => {
    expect(sentences("The integration tests can be run via:\n\n\t$ ./test/integration/run-tests\n")).toContain("$ ./test/integration/run-tests");
  });

  it("says it does not know when nothing is retrieved", async () => {
    expect(await answer("Anything?", [])).toBe(NOTHING_FOUND);
  });
});

describe("names people read", () => {
  it("gives a Markdown file its first heading as title, and a plain text its first line when it reads as one", async () => {
    const { titleOf } = await import("../connectors/text/index.js");
    expect(titleOf("Intro text\n\n# Returns and refunds\n\nYou can return…", true)).toBe("Returns and refunds");
    expect(titleOf("The Loft Coworking: Frequently Asked Questions\n\nWhere are you?", false)).toBe("The Loft Coworking: Frequently Asked Questions");
    expect(titleOf("We are open from nine to five, every day.\nMore text.", false)).toBeUndefined();
    // Markdown's other heading: a line underlined with "=".
    expect(titleOf("Garden Tools\n============\n\nSharp and sturdy.", true)).toBe("Garden Tools");
    expect(titleOf("Just a paragraph, no heading at all\n\nMore.", true)).toBeUndefined();
  });

  it("names a rendered manual page by its NAME line, not its header", async () => {
    const { titleOf } = await import("../connectors/text/index.js");
    const page =
      "PRUNE(1)                General Commands Manual               PRUNE(1)\n\nNAME\n       prune - trim old backups\n\nSYNOPSIS\n       prune [days]";
    expect(titleOf(page, false)).toBe("prune - trim old backups");
  });

  it("reads Markdown's links, images and bold as text, and a paragraph's lines as one", async () => {
    const { markdownAsText } = await import("../connectors/text/index.js");
    const code = ["```", "tool --out pictures", "tool --help", "```"];
    const readme = [
      "Questions go to [the mailing list](mailto:help@example.org) or [our site](https://example.org/help).",
      "The code lives at [https://git.example.org/tool](https://git.example.org/tool); see [the style guide](./doc/style.md).",
      "![Logo](logo.png) **Never run it as root.**",
      "",
      "If an output folder is given with `--out`,",
      "pictures are written to files of their own.",
      "",
      "* Tables.",
      "  Their borders are ignored.",
      "* Lists.",
      "",
      ...code,
    ].join("\n");
    expect(markdownAsText(readme).split("\n")).toEqual([
      "Questions go to the mailing list (help@example.org) or our site (https://example.org/help). The code lives at https://git.example.org/tool; see the style guide. Logo Never run it as root.",
      "",
      "If an output folder is given with `--out`, pictures are written to files of their own.",
      "",
      "* Tables. Their borders are ignored.",
      "* Lists.",
      "",
      ...code, // code keeps its lines
    ]);
  });

  it("reads a notice boxed in asterisks without its frame", async () => {
    const { unboxed } = await import("../connectors/text/index.js");
    const license = [
      "****************************",
      "*                          *",
      "*  No warranty is given.   *",
      "*  Use at your own risk.   *",
      "****************************",
    ].join("\n");
    expect(unboxed(license).trim().split("\n")).toEqual(["No warranty is given.", "Use at your own risk."]);
    expect(unboxed("* a list item\n* another one")).toBe("* a list item\n* another one");
  });
});
