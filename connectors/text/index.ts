import { htmlToSections } from "../html.js";
import { defineConnector, extensionOf, ExtractionError, readsAsTitle, type Extracted } from "../types.js";

const EXTENSIONS = new Set([".txt", ".text", ".md", ".markdown", ".csv", ".tsv", ".json", ".html", ".htm", ".log", ".xml", ".yaml", ".yml"]);
const MIME = /^(text\/[\w.+-]+|application\/(json|xml|x-yaml|yaml|xhtml\+xml))$/;

/** How much of a file is looked at to tell text from binary. */
const SAMPLE = 64 * 1024;

const isUtf16 = (bytes: Uint8Array) => (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);

/** Whether bytes are UTF-8 (a sequence cut at the end of a sample is fine). */
function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why bytes are not text, if they are not: a NUL, or more than 1% control
 * characters that no text has (a picture, an archive, a program named
 * .md). Text that is not UTF-8 is read as Windows-1252, as old files are.
 */
export function notText(bytes: Uint8Array): string | undefined {
  if (isUtf16(bytes)) return undefined;
  const sample = bytes.subarray(0, SAMPLE);
  if (sample.includes(0)) return "it contains binary data";
  const text = isUtf8(sample) ? new TextDecoder("utf-8").decode(sample) : new TextDecoder("windows-1252").decode(sample);
  // eslint-disable-next-line no-control-regex -- control characters (not tabs, line breaks or form feeds) are exactly what this counts
  const controls = text.match(/[\u0001-\u0008\u000b\u000e-\u001a\u001c-\u001f\u007f-\u009f]/g)?.length ?? 0;
  return controls > text.length / 100 ? "it is mostly binary data (a picture, an archive or a program?)" : undefined;
}

/** Decodes UTF-8 (with or without BOM), UTF-16 with BOM, or else Windows-1252; refuses binary. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  const binary = notText(bytes);
  if (binary) throw new ExtractionError(`This is not a text file: ${binary}.`);
  return new TextDecoder(isUtf8(bytes) ? "utf-8" : "windows-1252").decode(bytes).replace(/^\uFEFF/, "");
}

/**
 * The title a text gives itself: Markdown's first top-level heading, a line
 * underlined with "=" near its top (Markdown's setext heading, or plain
 * text's), a manual page's NAME line, or else its first line when it reads
 * as one (short, no sentence end, not cut mid-sentence). Visitors read it in
 * answers ("According to …") rather than a file name.
 */
export function titleOf(text: string, markdown: boolean): string | undefined {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (markdown) {
    const heading = lines.find((line) => /^#\s+\S/.test(line));
    if (heading)
      return (
        heading
          .replace(/^#\s+/, "")
          .replace(/\s+#*$/, "")
          .slice(0, 200) || undefined
      );
  }
  const underlined = lines.slice(0, 12).findIndex((line, i) => /^={3,}$/.test(lines[i + 1] ?? "") && readsAsTitle(line));
  if (underlined >= 0) return lines[underlined];
  const first = lines.find(Boolean);
  return manualPageName(lines, first) ?? (readsAsTitle(first) && !markdown ? first : undefined);
}

/**
 * A rendered manual page's title: its header ("JQ(1)  General Commands
 * Manual  JQ(1)") names the kind of page, its NAME section what it is
 * ("jq - Command-line JSON processor").
 */
function manualPageName(lines: readonly string[], first: string | undefined): string | undefined {
  const header = /^(\S+)\((\w+)\)\s.*\s(\S+)\((\w+)\)$/.exec(first ?? "");
  if (!header || header[1] !== header[3]) return undefined;
  const name = lines.indexOf("NAME");
  const line = name >= 0 ? lines.slice(name + 1).find(Boolean) : undefined;
  return line && line.length <= 120 ? line.replace(/\s+/g, " ") : undefined;
}

/**
 * Markdown's inline markup read as text, as a visitor would read it
 * rendered: a link is its text (and its address, when that says something
 * the text does not), an image its description, bold its words. Answers
 * quote these lines; "[Travis CI](https://travis-ci.org/)" is markup.
 */
export function markdownAsText(text: string): string {
  return softBreaksJoined(text)
    .replace(/!\[([^\]\n]*)\]\([^)\s]*(?:\s+"[^"]*")?\)/g, "$1")
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_, label: string, href: string) => {
      const address = href.replace(/^mailto:/, "");
      return /^(https?:|mailto:)/.test(href) && !label.includes(address) && !address.includes(label) ? `${label} (${address})` : label;
    })
    .replace(/\*\*(?=\S)([^*\n]+?)\*\*/g, "$1")
    .replace(/(^|[\s(])__(?=\S)([^_\n]+?)__(?=[\s).,;:!?]|$)/gm, "$1$2");
}

/** A Markdown line that starts a block of its own: a list item, a heading, a quote, a table row, a fence, a rule. */
const MARKDOWN_BLOCK = /^\s*(?:[-*+]\s|\d{1,9}[.)]\s|#|>|\||`{3}|~{3}|<|[=-]{3,}\s*$)/;

/**
 * A Markdown paragraph's lines as the one line they render as. Authors break
 * lines where they like ("one clause per line", as this README does): a
 * rendered page joins them, and a sentence read line by line would stop at
 * the break ("If an output directory is specified by `--output-dir`,").
 * Code (fenced or indented) keeps its lines, and so do hard breaks.
 */
function softBreaksJoined(text: string): string {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  let fenced = false;
  for (const line of lines) {
    const previous = out.at(-1);
    const fence = /^\s*(`{3}|~{3})/.test(line);
    const joins =
      !fenced &&
      !fence &&
      previous !== undefined &&
      previous.trim() !== "" &&
      line.trim() !== "" &&
      !/^\s*(#|\||`{3}|~{3}|<)/.test(previous) &&
      !/( {2}|\\)$/.test(previous) &&
      !MARKDOWN_BLOCK.test(line) &&
      // An indented line under text continues it; under a blank line it would be code, and is not reached here.
      !/^( {4}|\t)/.test(previous);
    if (fence) fenced = !fenced;
    if (joins) out[out.length - 1] = `${previous} ${line.trim()}`;
    else out.push(line);
  }
  return out.join("\n");
}

/**
 * A notice a plain text draws in a box of asterisks (licenses set their
 * disclaimers so) read without its frame: a quoted sentence would otherwise
 * end in "*" and the border lines would be passages of their own.
 */
export function unboxed(text: string): string {
  return text.replace(/^[ \t]*\*(?:[ \t]+(.*?))?[ \t]+\*[ \t]*$|^[ \t]*\*{10,}[ \t]*$/gm, (_, inner: string | undefined) => inner ?? "");
}

/**
 * Plain text, Markdown, CSV, JSON and HTML files, and text typed in directly.
 * HTML loses its markup (and any scripts); JSON is re-indented so that its
 * keys and values read as lines; Markdown's inline markup (links, images,
 * bold) reads as text; the rest is kept as written, but for the asterisk
 * frames plain text draws around notices.
 */
export const text = defineConnector({
  name: "text",
  kind: "TEXT",
  label: "text (.txt, .md, .csv, .json, .html)",
  accepts: ({ kind, name, mimeType }) =>
    kind === "TEXT" || (kind === "DOCUMENT" && (EXTENSIONS.has(extensionOf(name)) || (!!mimeType && MIME.test(mimeType.split(";")[0]!.trim())))),
  sniff: (bytes) => {
    const binary = notText(bytes);
    return binary && `This is not a text file: ${binary}.`;
  },
  async extract(input, { budget }): Promise<Extracted> {
    if (!input.bytes?.length) throw new ExtractionError("The text is empty.");
    const raw = decodeText(input.bytes);
    budget.take(raw.length);
    const extension = extensionOf(input.name);
    const mime = input.mimeType?.split(";")[0]?.trim();
    let extracted: Extracted;
    if (extension === ".html" || extension === ".htm" || mime === "text/html" || mime === "application/xhtml+xml") {
      extracted = await htmlToSections(raw);
    } else if (extension === ".json" || mime === "application/json") {
      let pretty = raw;
      try {
        pretty = JSON.stringify(JSON.parse(raw), null, 2);
      } catch {
        // Not valid JSON: keep it as text rather than lose it.
      }
      extracted = { sections: [{ text: pretty }] };
    } else {
      // Text typed in has the title its author gave it; a file names itself (a Markdown heading, a first line).
      const markdown = extension === ".md" || extension === ".markdown" || mime === "text/markdown";
      const title = input.kind === "TEXT" ? input.name : titleOf(raw, markdown);
      extracted = { ...(title && { title }), sections: [{ text: markdown ? markdownAsText(raw) : unboxed(raw) }] };
    }
    if (!extracted.sections.some((s) => s.text.trim())) throw new ExtractionError("The text is empty.");
    return extracted;
  },
});
