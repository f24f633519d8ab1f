import { htmlToSections } from "../html.js";
import { defineConnector, extensionOf, ExtractionError } from "../types.js";
import { assertZipWithin } from "../zip.js";

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
      ({ value: html } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) }));
    } catch (error) {
      throw new ExtractionError(`The file is not a readable DOCX (${(error as Error).message}).`, { cause: error });
    }
    signal.throwIfAborted();
    const { sections } = htmlToSections(html, { dropChrome: false, budget });
    if (!sections.length) throw new ExtractionError("The DOCX contains no text.");
    const firstHeading = sections.find((s) => s.heading)?.heading;
    return { ...(firstHeading && { title: firstHeading }), sections };
  },
});
