import { htmlToSections } from "../html.js";
import { defineConnector, extensionOf, ExtractionError, usableTitle } from "../types.js";
import { assertZipWithin, readZipText } from "../zip.js";

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescapeXml = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, name: string) =>
    name[0] === "#" ? String.fromCodePoint(parseInt(name.slice(name[1] === "x" ? 2 : 1), name[1] === "x" ? 16 : 10)) : (ENTITIES[name] ?? all),
  );

/** The text of the paragraph in Word's Title style (marked by the style map below). */
function titleParagraph(html: string): string | undefined {
  const match = /<p class="document-title">([\s\S]*?)<\/p>/.exec(html);
  return match ? usableTitle(unescapeXml(match[1]!.replace(/<[^>]+>/g, ""))) : undefined;
}

/** The title in the document's properties (docProps/core.xml). */
function coreTitle(xml: string | undefined): string | undefined {
  const match = xml && /<dc:title>([\s\S]*?)<\/dc:title>/.exec(xml);
  return match ? unescapeXml(match[1]!) : undefined;
}

const DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/**
 * Word documents. mammoth turns them into semantic HTML (headings, lists,
 * tables), which becomes sections per heading, tables as "a | b" rows.
 */
export const docx = defineConnector({
  name: "docx",
  kind: "DOCUMENT",
  label: "Word (.docx)",
  accepts: ({ kind, name, mimeType }) => kind === "DOCUMENT" && (mimeType === DOCX_MIME || extensionOf(name) === ".docx"),
  async extract(input, { signal, budget }) {
    if (!input.bytes?.length) throw new ExtractionError("The DOCX file is empty (0 bytes).");
    const bytes = input.bytes;
    // A DOCX is a zip (PK..); an encrypted one is an OLE container (D0 CF 11 E0).
    if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0) {
      throw new ExtractionError("The DOCX is protected by a password (or is an old .doc file); save an unprotected .docx and upload that.");
    }
    // mammoth inflates whole parts into strings: check what they declare first.
    await assertZipWithin(bytes, { maxExpandedBytes: budget.limit, format: "DOCX" });
    const mammoth = (await import("mammoth")).default;
    let html: string;
    try {
      ({ value: html } = await mammoth.convertToHtml(
        { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
        // The Title paragraph names the document; it stays in the text, marked so it can be found.
        { styleMap: ["p[style-name='Title'] => p.document-title:fresh"] },
      ));
    } catch (error) {
      throw new ExtractionError(`The file is not a readable DOCX (${(error as Error).message}).`, { cause: error });
    }
    signal.throwIfAborted();
    const { sections } = await htmlToSections(html, { dropChrome: false, budget });
    if (!sections.length) throw new ExtractionError("The DOCX contains no text.");
    // What the document calls itself: its Title paragraph, else its properties' title, else its first heading.
    const title =
      titleParagraph(html) ??
      usableTitle(coreTitle(await readZipText(bytes, "docProps/core.xml").catch(() => undefined))) ??
      sections.find((s) => s.heading)?.heading;
    return { ...(title && { title }), sections };
  },
});
