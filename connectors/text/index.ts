import { htmlToSections } from "../html.js";
import { defineConnector, extensionOf, ExtractionError, type Extracted } from "../types.js";

const EXTENSIONS = new Set([".txt", ".text", ".md", ".markdown", ".csv", ".tsv", ".json", ".html", ".htm", ".log", ".xml", ".yaml", ".yml"]);
const MIME = /^(text\/[\w.+-]+|application\/(json|xml|x-yaml|yaml|xhtml\+xml))$/;

/** Decodes UTF-8 (with or without BOM) or UTF-16 with BOM; refuses binary. */
export function decodeText(bytes: Uint8Array): string {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder("utf-16le").decode(bytes.subarray(2));
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder("utf-16be").decode(bytes.subarray(2));
  else {
    if (bytes.subarray(0, 8192).includes(0)) throw new ExtractionError("This is not a text file: it contains binary data.");
    text = new TextDecoder("utf-8").decode(bytes).replace(/^\uFEFF/, "");
  }
  return text;
}

/**
 * The title a text gives itself: Markdown's first top-level heading, or a
 * plain text's first line when it reads as one (short, no sentence end).
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
  const first = lines.find(Boolean);
  return first && first.length <= 100 && !/[.!?,;]$/.test(first) && /\p{L}/u.test(first) ? first : undefined;
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
      const title = titleOf(raw, extension === ".md" || extension === ".markdown" || mime === "text/markdown");
      extracted = { ...(title && { title }), sections: [{ text: raw }] };
    }
    if (!extracted.sections.some((s) => s.text.trim())) throw new ExtractionError("The text is empty.");
    return extracted;
  },
});
