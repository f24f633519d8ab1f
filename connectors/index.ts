import { docx } from "./docx/index.js";
import { pdf } from "./pdf/index.js";
import { text } from "./text/index.js";
import type { Connector, SourceInput } from "./types.js";
import { web } from "./web/index.js";

export * from "./types.js";

/**
 * Every connector, most specific first: the first that accepts a source
 * reads it. A new source type is a new module added here.
 */
export const connectors: readonly Connector[] = [pdf, docx, text, web];

export function connectorFor(input: Pick<SourceInput, "kind" | "name" | "mimeType">): Connector | undefined {
  return connectors.find((c) => c.accepts(input));
}

export function connectorNamed(name: string): Connector | undefined {
  return connectors.find((c) => c.name === name);
}

/** "PDF (.pdf), Word (.docx), text (...)": for "unsupported type" messages. */
export function supportedDocuments(): string {
  return connectors
    .filter((c) => c.kind !== "LINK")
    .map((c) => c.label)
    .join(", ");
}
