import { describe, expect, it } from "@jest/globals";
import {
  connectorFor,
  createTextBudget,
  ExtractionError,
  supportedDocuments,
  usableTitle,
  type ExtractContext,
  type SourceInput,
} from "../connectors/index.js";
import { docx } from "../connectors/docx/index.js";
import { pdf } from "../connectors/pdf/index.js";
import { decodeText, notText, text } from "../connectors/text/index.js";
import { cleanLine, cleanText } from "../src/services/ingestion/extraction.js";
import { makeDocx, makeEmptyDocx, makeEncryptedPdf, makeHandbookDocx, makePdf } from "./fixtures/documents.js";

const context: ExtractContext = {
  signal: new AbortController().signal,
  budget: createTextBudget(64 * 1024 * 1024),
  web: { allowPrivateUrls: true, timeoutMs: 5000, maxBytes: 1024 * 1024, maxRedirects: 3 },
};

const doc = (name: string, bytes: Uint8Array, mimeType?: string): SourceInput => ({ kind: "DOCUMENT", name, bytes, mimeType: mimeType ?? null });
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("the registry", () => {
  it("picks a connector by extension or media type", () => {
    expect(connectorFor({ kind: "DOCUMENT", name: "Report.PDF" })?.name).toBe("pdf");
    expect(connectorFor({ kind: "DOCUMENT", name: "upload", mimeType: "application/pdf" })?.name).toBe("pdf");
    expect(connectorFor({ kind: "DOCUMENT", name: "memo.docx" })?.name).toBe("docx");
    for (const name of ["a.txt", "a.md", "a.csv", "a.json", "a.html"]) expect(connectorFor({ kind: "DOCUMENT", name })?.name).toBe("text");
    expect(connectorFor({ kind: "TEXT", name: "Typed in" })?.name).toBe("text");
    expect(connectorFor({ kind: "LINK", name: "https://example.com" })?.name).toBe("web");
    expect(connectorFor({ kind: "DOCUMENT", name: "photo.png", mimeType: "image/png" })).toBeUndefined();
    expect(supportedDocuments()).toBe("PDF (.pdf), Word (.docx), text (.txt, .md, .csv, .json, .html)");
  });
});

describe("pdf", () => {
  it("extracts text per page with page numbers and the document title", async () => {
    const bytes = await makePdf(
      ["Chapter one\nThe warranty lasts two years.", "Chapter two\nSupport code ZX-4471 resets the router.", "Chapter three\nEnd."],
      "Router Manual",
    );
    const result = await pdf.extract(doc("manual.pdf", bytes), context);
    expect(result.title).toBe("Router Manual");
    expect(result.sections.map((s) => s.page)).toEqual([1, 2, 3]);
    expect(result.sections[0]!.text).toContain("The warranty lasts two years.");
    expect(result.sections[1]!.text).toContain("Support code ZX-4471 resets the router.");
    expect(result.sections[1]!.text).not.toContain("warranty");
  });

  it.each([
    ["an empty file", async () => new Uint8Array(0), /empty/],
    ["a truncated file", async () => (await makePdf(["Hello"])).slice(0, 200), /not a readable PDF|could not be read/],
    ["random bytes", async () => utf8("this is not a pdf at all"), /not a readable PDF|could not be read/],
    ["a password-protected file", makeEncryptedPdf, /protected by a password/],
    ["a PDF with no text", async () => makePdf([""]), /no extractable text/],
  ])("refuses %s with a readable message", async (_what, make, message) => {
    const error = await pdf.extract(doc("x.pdf", await make()), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionError);
    expect((error as ExtractionError).message).toMatch(message);
    expect((error as ExtractionError).retryable).toBe(false);
  });
});

describe("docx", () => {
  it("keeps headings, lists and tables readable, with a section per heading", async () => {
    const result = await docx.extract(doc("policy.docx", await makeDocx()), context);
    expect(result.title).toBe("Refund Policy");
    expect(result.sections.map((s) => s.heading)).toEqual(["Refund Policy", "Shipping costs", "Contact"]);
    expect(result.sections[0]!.text).toBe("# Refund Policy\nCustomers may return any item within 30 days of delivery.");
    const shipping = result.sections[1]!.text;
    expect(shipping).toContain("- Return shipping is free for members.");
    expect(shipping).toContain("Region | Fee\nEurope | 4.90 EUR\nAmericas | 6.50 USD");
  });

  it.each([
    ["an empty file", async () => new Uint8Array(0), /empty/],
    ["a corrupt file", async () => (await makeDocx()).slice(0, 300), /not a readable DOCX/],
    ["an encrypted (OLE) file", async () => new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), /protected by a password/],
    ["a document without text", makeEmptyDocx, /no text/],
  ])("refuses %s with a readable message", async (_what, make, message) => {
    const error = await docx.extract(doc("x.docx", await make()), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("text", () => {
  it("reads plain text and Markdown as written", async () => {
    const result = await text.extract(doc("notes.md", utf8("\uFEFF# Notes\n\nOpening hours: 9-17.")), context);
    expect(result.sections).toEqual([{ text: "# Notes\n\nOpening hours: 9-17." }]);
  });

  it("reads CSV as lines and JSON re-indented", async () => {
    expect((await text.extract(doc("prices.csv", utf8("item,price\nlamp,20\n")), context)).sections[0]!.text).toBe("item,price\nlamp,20\n");
    const json = await text.extract(doc("faq.json", utf8('{"q":"Do you ship abroad?","a":"Yes"}')), context);
    expect(json.sections[0]!.text).toBe('{\n  "q": "Do you ship abroad?",\n  "a": "Yes"\n}');
  });

  it("reads HTML without scripts and navigation", async () => {
    const html = `<html><head><title>Help</title><script>alert(1)</script></head><body>
      <nav><a href="/">Home</a> <a href="/about">About</a></nav>
      <main><h1>Returns</h1><p>Send items back within <b>30 days</b>.</p><ul><li>Free for members</li></ul></main>
      <footer>© Acme</footer></body></html>`;
    const result = await text.extract(doc("help.html", utf8(html)), context);
    expect(result.title).toBe("Help");
    expect(result.sections).toEqual([{ heading: "Returns", text: "# Returns\nSend items back within 30 days.\n- Free for members" }]);
  });

  it("reads HTML's source line breaks as spaces, and a definition list's terms with their descriptions", async () => {
    const html = `<html><body><p>Members of this group
      can reconfigure the modem.</p>
      <dl><dt>dialout</dt><dd><p>Full and direct
      access to serial ports.</p></dd><dt>cdrom</dt><dt>floppy</dt><dd>Access to removable drives.</dd><dt>orphan</dt></dl></body></html>`;
    const result = await text.extract(doc("groups.html", utf8(html)), context);
    expect(result.sections[0]!.text).toBe(
      "Members of this group can reconfigure the modem.\ndialout: Full and direct access to serial ports.\ncdrom, floppy: Access to removable drives.\norphan",
    );
  });

  it("decodes UTF-16 with a byte-order mark", async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Grüße", "utf16le")]);
    expect((await text.extract(doc("de.txt", utf16), context)).sections[0]!.text).toBe("Grüße");
  });

  it.each([
    ["an empty file", new Uint8Array(0), /empty/],
    ["only whitespace", utf8("  \n\n "), /empty/],
    ["a binary file named .txt", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), /binary data/],
  ])("refuses %s", async (_what, bytes, message) => {
    await expect(text.extract(doc("x.txt", bytes), context)).rejects.toThrow(message);
  });
});

describe("a document is named by its title, not by a section heading", () => {
  it("names a DOCX by its Title paragraph, else its properties' title, else its first heading", async () => {
    const named = async (options: Parameters<typeof makeHandbookDocx>[0]) =>
      (await docx.extract(doc("handbook.docx", await makeHandbookDocx(options)), context)).title;
    expect(await named({ titleParagraph: "Brightwave Coffee – Customer Support Handbook", properties: "Old template" })).toBe(
      "Brightwave Coffee – Customer Support Handbook",
    );
    expect(await named({ properties: "Brightwave Coffee – Customer Support Handbook" })).toBe("Brightwave Coffee – Customer Support Handbook");
    // What office software leaves in the properties by itself is no title.
    expect(await named({ properties: "Microsoft Word - handbook.docx" })).toBe("Shipping");
    expect(await named({})).toBe("Shipping");
  });

  it("names text typed in by the title it was given, not by its first line", async () => {
    const typed = await text.extract(
      { kind: "TEXT", name: "Loyalty card and gift cards", bytes: utf8("Members collect stamps\nEvery tenth coffee is free."), mimeType: "text/plain" },
      context,
    );
    expect(typed.title).toBe("Loyalty card and gift cards");
  });

  it("leaves a PDF without a Title to its file name: its first line is as often a section heading as a cover", async () => {
    const result = await pdf.extract(doc("care-guide.pdf", await makePdf(["Watering\nWater roses twice a week in summer."])), context);
    expect(result.title).toBeUndefined();
  });

  it("does not take a plain text's first line for its title when it is a sentence, or a line cut from one", async () => {
    const { titleOf } = await import("../connectors/text/index.js");
    expect(titleOf("The printable version of this guide can be found in the downloads section of our site\n\nIntro", false)).toBeUndefined();
    expect(titleOf("[Note: this is the shop's handbook, for opening hours see\nthe website instead.]\n\nMore", false)).toBeUndefined();
    expect(titleOf("Our story starts with the\nfounders in 1998.", false)).toBeUndefined();
  });

  it("takes a plain text's line underlined with = near its top for its title", async () => {
    const { titleOf } = await import("../connectors/text/index.js");
    expect(titleOf("[Note: read the README first.]\n\nGarden Shop Manifesto\n=====================\n\n1 - Plants first.", false)).toBe("Garden Shop Manifesto");
  });

  it("refuses the titles office software writes by itself", () => {
    for (const junk of ["Microsoft Word - Report.docx", "Untitled", "Document1", "report-final.pdf", "  "])
      expect([junk, usableTitle(junk)]).toEqual([junk, undefined]);
    expect(usableTitle("  Annual  Report 2025 ")).toBe("Annual Report 2025");
  });
});

describe("HTML nested without end", () => {
  it("refuses HTML nested 200,000 levels deep at once, and still reads old pages with thousands of unclosed paragraphs", async () => {
    const deep = `<html><body>${"<div>".repeat(200_000)}<p>Hello</p>${"</div>".repeat(200_000)}</body></html>`;
    await expect(text.extract(doc("deep.html", utf8(deep)), context)).rejects.toThrow(/nested more than 1000 levels deep/);
    const old = `<html><body><h1>Log</h1>${Array.from({ length: 3000 }, (_, i) => `<p>Entry ${i}<li>item ${i}<br>`).join("")}</body></html>`;
    const read = await text.extract(doc("old.html", utf8(old)), context);
    expect(read.sections.map((s) => s.text).join("\n")).toContain("Entry 2999");
  });
});

describe("text files in other encodings", () => {
  it("reads a Windows-1252 file as such, and refuses binary without NUL bytes", async () => {
    const latin = Uint8Array.from([
      0x43, 0x72, 0xe8, 0x6d, 0x65, 0x20, 0x62, 0x72, 0xfb, 0x6c, 0xe9, 0x65, 0x20, 0xe0, 0x20, 0x6c, 0x61, 0x20, 0x63, 0x61, 0x72, 0x74, 0x65,
    ]);
    expect(decodeText(latin)).toBe("Crème brûlée à la carte");
    expect(notText(new TextEncoder().encode("Crème brûlée, in UTF-8"))).toBeUndefined();
    const noise = Uint8Array.from({ length: 4096 }, (_, i) => 1 + ((i * 7919) % 255));
    expect(notText(noise)).toMatch(/binary/);
    await expect(text.extract(doc("noise.md", noise), context)).rejects.toThrow(/not a text file/);
  });
});

describe("extracted text is text the database can store", () => {
  it("drops NUL bytes and replaces lone surrogates, in the text and in titles and headings", () => {
    expect(cleanText("a\u0000b \ud800c \udc00d \ud83d\ude00")).toBe("ab \ufffdc \ufffdd \ud83d\ude00");
    expect(cleanLine("Title\u0000 with\nbreaks \udfff")).toBe("Title with breaks \ufffd");
    expect(cleanLine("\u0000 ")).toBeUndefined();
  });
});
