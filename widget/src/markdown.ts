/**
 * A small Markdown renderer for answers that builds DOM nodes and never
 * parses HTML: whatever a model or a source says (`<img onerror=…>`,
 * `javascript:` links) ends up as text. Supported: paragraphs, line breaks,
 * headings (shown bold), bullet and numbered lists, fenced and inline code,
 * **bold**, *italic*, [links](https://…) and bare https:// addresses.
 */

const FENCE = /^\s*```/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*)$/;
const ITEM = /^\s*([-*+]|\d{1,3}[.)])\s+/;
const ORDERED = /^\s*\d/;
const INLINE = /`([^`\n]+)`|\*\*([^*\n]+)\*\*|\*([^*\s][^*\n]*)\*|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"])/g;

/** An http(s) or mailto address, normalised; anything else (javascript:, data:) is refused. */
export function safeUrl(href: string): string | null {
  try {
    const url = new URL(href);
    return url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:" ? url.href : null;
  } catch {
    return null;
  }
}

export function link(href: string, label: string): HTMLAnchorElement {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = label;
  a.target = "_blank";
  // No opener, no referrer: the page's address carries the API key.
  a.rel = "noopener noreferrer nofollow";
  return a;
}

function appendInline(parent: HTMLElement, text: string): void {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const [whole, code, bold, italic, label, href, bare] = match;
    parent.append(text.slice(last, match.index));
    last = match.index + whole.length;
    if (code !== undefined) {
      const element = document.createElement("code");
      element.textContent = code;
      parent.append(element);
    } else if (bold !== undefined || italic !== undefined) {
      const element = document.createElement(bold !== undefined ? "strong" : "em");
      appendInline(element, (bold ?? italic)!);
      parent.append(element);
    } else if (label !== undefined) {
      const url = safeUrl(href!);
      parent.append(url ? link(url, label) : whole);
    } else if (bare !== undefined) {
      const url = safeUrl(bare);
      parent.append(url ? link(url, bare) : bare);
    }
  }
  parent.append(text.slice(last));
}

const startsBlock = (line: string) => FENCE.test(line) || HEADING.test(line) || ITEM.test(line);

export function renderMarkdown(source: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line.trim()) {
      i++;
    } else if (FENCE.test(line)) {
      const code: string[] = [];
      for (i++; i < lines.length && !FENCE.test(lines[i]!); i++) code.push(lines[i]!);
      i++; // the closing fence (absent while the answer is still streaming)
      const pre = document.createElement("pre");
      const element = document.createElement("code");
      element.textContent = code.join("\n");
      pre.append(element);
      fragment.append(pre);
    } else if (HEADING.test(line)) {
      const p = document.createElement("p");
      const strong = document.createElement("strong");
      appendInline(strong, HEADING.exec(line)![1]!);
      p.append(strong);
      fragment.append(p);
      i++;
    } else if (ITEM.test(line)) {
      const ordered = ORDERED.test(line);
      const list = document.createElement(ordered ? "ol" : "ul");
      for (; i < lines.length && ITEM.test(lines[i]!) && ORDERED.test(lines[i]!) === ordered; i++) {
        const item = document.createElement("li");
        appendInline(item, lines[i]!.replace(ITEM, ""));
        list.append(item);
      }
      fragment.append(list);
    } else {
      const p = document.createElement("p");
      for (let first = true; i < lines.length && lines[i]!.trim() && (first || !startsBlock(lines[i]!)); i++, first = false) {
        if (!first) p.append(document.createElement("br"));
        appendInline(p, lines[i]!);
      }
      fragment.append(p);
    }
  }
  return fragment;
}
