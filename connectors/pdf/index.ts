import { defineConnector, extensionOf, ExtractionError, usableTitle, type Section } from "../types.js";

const PAGES_PER_STEP = 25;

/** PDF documents, text per page, page numbers kept for citations. */
export const pdf = defineConnector({
  name: "pdf",
  kind: "DOCUMENT",
  label: "PDF (.pdf)",
  accepts: ({ kind, name, mimeType }) => kind === "DOCUMENT" && (mimeType === "application/pdf" || extensionOf(name) === ".pdf"),
  async extract(input, { signal, onProgress, budget }) {
    if (!input.bytes?.length) throw new ExtractionError("The PDF is empty (0 bytes).");
    // pdf.js is heavy: load it only when a PDF arrives.
    const { PDFParse, PasswordException, InvalidPDFException, FormatError } = await import("pdf-parse");
    // pdf.js transfers (and so detaches) the buffer it is given: pass a copy.
    const parser = new PDFParse({ data: new Uint8Array(input.bytes) });
    try {
      signal.throwIfAborted();
      // Text first: after a failed getInfo the parser is unusable, and getText's error is the telling one.
      const sections: Section[] = [];
      let total = Infinity;
      // A few pages at a time, so progress shows and the text budget stops a PDF that inflates to too much.
      for (let first = 1; first <= total; first += PAGES_PER_STEP) {
        const result = await parser.getText({ first, last: first + PAGES_PER_STEP - 1 });
        signal.throwIfAborted();
        total = result.total;
        for (const page of result.pages) {
          budget.take(page.text.length);
          sections.push({ text: page.text, page: page.num });
        }
        onProgress?.(Math.min(first + PAGES_PER_STEP - 1, total), total, "pages");
      }
      if (!sections.some((s) => s.text.trim())) {
        throw new ExtractionError(`The PDF's ${total} page(s) contain no extractable text: it may be scanned images, which need OCR first.`);
      }
      const info = await parser.getInfo().catch(() => undefined);
      const title = usableTitle(typeof info?.info?.Title === "string" ? info.info.Title : undefined);
      return { ...(title && { title }), sections };
    } catch (error) {
      if (error instanceof ExtractionError || signal.aborted) throw error;
      if (error instanceof PasswordException) {
        throw new ExtractionError("The PDF is protected by a password; upload a copy without one.", { cause: error });
      }
      if (error instanceof InvalidPDFException || error instanceof FormatError) {
        throw new ExtractionError(`The file is not a readable PDF (${(error as Error).message}).`, { cause: error });
      }
      throw new ExtractionError(`The PDF could not be read: ${(error as Error).message}`, { cause: error });
    } finally {
      await parser.destroy().catch(() => {});
    }
  },
});
