import type { CheerioAPI, CheerioOptions } from "cheerio";
import type { AnyNode, Element } from "domhandler";
import { ExtractionError, type Section, type TextBudget } from "./types.js";

/** Page furniture that is not content. */
const CHROME = [
  "script",
  "style",
  "noscript",
  "template",
  "iframe",
  "svg",
  "canvas",
  "object",
  "embed",
  "nav",
  "header",
  "footer",
  "aside",
  "form",
  "button",
  "select",
  "input",
  "textarea",
  "dialog",
  "[role=navigation]",
  "[role=banner]",
  "[role=contentinfo]",
  "[role=complementary]",
  "[role=search]",
  "[aria-hidden=true]",
  "[hidden]",
  ".nav",
  ".navbar",
  ".menu",
  ".sidebar",
  ".breadcrumb",
  ".breadcrumbs",
  ".cookie",
  ".cookies",
  ".cookie-banner",
  ".advert",
  ".ads",
  ".share",
  ".social",
  ".skip-link",
].join(",");

const BLOCK = new Set([
  "p",
  "div",
  "section",
  "article",
  "main",
  "ul",
  "ol",
  "dl",
  "dt",
  "dd",
  "blockquote",
  "pre",
  "table",
  "thead",
  "tbody",
  "tfoot",
  "figure",
  "figcaption",
  "address",
  "hr",
  "br",
  "body",
  "details",
  "summary",
]);
const HEADING = /^h[1-6]$/;

/** Deeper than any page people read; the parser's work grows with the square of the depth (200,000 levels: minutes). */
export const MAX_HTML_DEPTH = 1000;
/** Elements that open nothing, or whose end tag may be left out: they do not count towards the depth. */
const NOT_NESTING = new Set(
  "area base br col embed hr img input link meta param source track wbr p li dt dd tr td th option optgroup thead tbody tfoot colgroup rt rp html head body".split(
    " ",
  ),
);

/**
 * Refuses HTML nested deeper than MAX_HTML_DEPTH, in one pass over its
 * tags before anything parses it (scripts, styles and comments aside).
 */
export function assertShallow(html: string): void {
  const markup = html.replace(/<!--[\s\S]*?-->|<(script|style)\b[\s\S]*?<\/\1\s*>/gi, "");
  let depth = 0;
  for (const [, closing, name, selfClosing] of markup.matchAll(/<(\/?)([a-z][\w:-]*)\b[^>]*?(\/?)>/gi)) {
    if (NOT_NESTING.has(name!.toLowerCase()) || selfClosing) continue;
    depth = closing ? Math.max(0, depth - 1) : depth + 1;
    if (depth > MAX_HTML_DEPTH)
      throw new ExtractionError(`This HTML is nested more than ${MAX_HTML_DEPTH} levels deep, which no page people read is; it was not read.`);
  }
}

export interface HtmlText {
  title?: string;
  sections: Section[];
}

/**
 * cheerio, loaded when a document is first read: the server's own process
 * imports the connectors to know their names and types, and only the
 * extraction workers read HTML (its parser was ~0.2 s of every start's CPU).
 */
export async function parseHtml(html: string, options?: CheerioOptions): Promise<CheerioAPI> {
  const cheerio = await import("cheerio");
  return cheerio.load(html, options);
}

/**
 * Readable text from HTML: the main content (or the body) without scripts,
 * navigation and other boilerplate, split into sections at headings, with
 * list items as "- item" lines and table rows as "a | b | c" lines.
 *
 * `dropChrome: false` keeps everything (for generated HTML such as DOCX
 * conversions, which has no chrome but may use any element).
 */
export async function htmlToSections(html: string, options: { dropChrome?: boolean; url?: string; budget?: TextBudget } = {}): Promise<HtmlText> {
  assertShallow(html);
  const $ = await parseHtml(html);
  const title = $("title").first().text().replace(/\s+/g, " ").trim() || undefined;
  if (options.dropChrome ?? true) $(CHROME).remove();
  const candidates = ["main", "article", "[role=main]", "#content", ".content", "body"];
  const root = candidates.map((selector) => $(selector).first()).find((el) => el.length && el.text().trim()) ?? $.root();

  const sections: Section[] = [];
  let current: Section = { text: "", ...(options.url && { url: options.url }) };
  let lines: string[] = [];
  let inline = "";
  // A definition list's term, waiting for its description: "dialout: Full and direct access to serial ports."
  let term = "";
  const pushLine = (line: string) => {
    options.budget?.take(line.length + 1);
    lines.push(line);
  };

  // Whitespace in HTML text, line breaks of its source included, is one space; lines come from its elements.
  const flushLine = () => {
    const line = inline.replace(/\s+/g, " ").trim();
    if (line) pushLine(term ? `${term}: ${line}` : line);
    if (line) term = "";
    inline = "";
  };
  const flushTerm = () => {
    if (term) pushLine(term);
    term = "";
  };
  const flushSection = () => {
    flushLine();
    flushTerm();
    current.text = lines.join("\n");
    if (current.text.trim()) sections.push(current);
    lines = [];
  };

  const walk = (node: AnyNode) => {
    if (node.type === "text") {
      inline += (node as unknown as { data: string }).data;
      return;
    }
    if (node.type !== "tag" && node.type !== "script" && node.type !== "style") return;
    const element = node as Element;
    const tag = element.tagName.toLowerCase();
    if (HEADING.test(tag)) {
      flushSection();
      const heading = $(element).text().replace(/\s+/g, " ").trim();
      current = { text: "", ...(heading && { heading }), ...(options.url && { url: options.url }) };
      if (heading) pushLine(`${"#".repeat(Number(tag[1]))} ${heading}`);
      return;
    }
    if (tag === "tr") {
      flushLine();
      const cells = $(element)
        .children("td,th")
        .map((_, cell) => $(cell).text().replace(/\s+/g, " ").trim())
        .get();
      if (cells.some(Boolean)) pushLine(cells.join(" | "));
      return;
    }
    if (tag === "pre") {
      flushLine();
      pushLine($(element).text().replace(/\s+$/, ""));
      return;
    }
    if (tag === "dt") {
      flushLine();
      const text = $(element).text().replace(/\s+/g, " ").trim();
      term = term && text ? `${term}, ${text}` : term || text;
      return;
    }
    if (tag === "li") {
      flushLine();
      inline = "- ";
      element.children.forEach(walk);
      flushLine();
      return;
    }
    const block = BLOCK.has(tag);
    if (block) flushLine();
    element.children.forEach(walk);
    if (block) flushLine();
  };

  root.contents().each((_, node) => walk(node));
  flushSection();
  return { ...(title && { title }), sections };
}
