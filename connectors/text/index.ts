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
 * The title a text gives itself: Markdown's first top-level heading, or a
 * plain text's line underlined with "=" near its top, or else its first line
 * when it reads as one (short, no sentence end, not cut mid-sentence).
 * Visitors read it in answers ("According to …") rather than a file name.
 */
export function titleOf(text: string, markdown: boolean): string | undefined {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (markdown) {
    const heading = lines.find((line) => /^#\s+\S/.test(line));
    return (
      heading
        ?.replace(/^#\s+/, "")
        .replace(/\s+#*$/, "")
        .slice(0, 200) || undefined
    );
  }
  // A line underlined with = near the top is the title plain text gives itself (as Markdown's setext and reStructuredText read it).
  const underlined = lines.slice(0, 12).findIndex((line, i) => /^={3,}$/.test(lines[i + 1] ?? "") && readsAsTitle(line));
  if (underlined >= 0) return lines[underlined];
  const first = lines.find(Boolean);
  return readsAsTitle(first) ? first : undefined;
}

/**
 * Plain text, Markdown, CSV, JSON and HTML files, and text typed in directly.
 * HTML loses its markup (and any scripts); JSON is re-indented so that its
 * keys and values read as lines; the rest is kept as written.
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
      extracted = htmlToSections(raw);
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
      const title = input.kind === "TEXT" ? input.name : titleOf(raw, extension === ".md" || extension === ".markdown" || mime === "text/markdown");
      extracted = { ...(title && { title }), sections: [{ text: raw }] };
    }
    if (!extracted.sections.some((s) => s.text.trim())) throw new ExtractionError("The text is empty.");
    return extracted;
  },
});
