/**
 * The contract between Parley's ingestion core and a connector. A connector
 * knows one kind of source (a file format, a website) and turns it into
 * text sections; the core cleans, splits, embeds and stores them. Adding a
 * source type is one module implementing this, listed in ./index.ts.
 */

export type SourceKind = "DOCUMENT" | "LINK" | "TEXT";

/** What the core hands a connector: one source, as stored. */
export interface SourceInput {
  kind: SourceKind;
  /** File name, URL, or the title given to a text. */
  name: string;
  mimeType?: string | null;
  /** The original bytes (documents) or the UTF-8 text (text sources). */
  bytes?: Uint8Array;
  /** The address (links). */
  url?: string | null;
  /** Connector options, e.g. crawl settings for links. */
  options?: Record<string, unknown>;
}

/** A run of text with where it came from, carried into each chunk's metadata. */
export interface Section {
  text: string;
  /** 1-based page number (PDF). */
  page?: number;
  /** The heading the text sits under (DOCX, HTML). */
  heading?: string;
  /** The page address (web). */
  url?: string;
  /** The page title (web). */
  title?: string;
}

export interface Extracted {
  /** A title found in the content (document properties, <title>, first heading). */
  title?: string;
  sections: Section[];
  /** Web pages: what became of each page the crawl reached (its sections carry its `url`). */
  pages?: PageVisit[];
}

/** A web page as a link's last sync saw it: what the next sync asks the site whether it changed. */
export interface KnownPage {
  etag?: string | null;
  lastModified?: string | null;
  /** SHA-256 of the bytes it was last sent as: the same bytes again are unchanged. */
  bodyHash?: string | null;
  /** Same-site links found on it, followed from it when it has not changed. */
  links: string[];
  /** When it was last fetched (ms since the epoch): a sitemap's older `lastmod` means unchanged. */
  fetchedAt: number;
}

/** What a crawl did with one page. */
export interface PageVisit {
  /** The address read (after redirects), as its sections' `url`. */
  url: string;
  /**
   * fetched: its text is in the sections; not-modified: the site answered
   * 304, or sent the same bytes as last time, or its sitemap dates it before
   * the last fetch (no text extracted);
   * gone: 404 or 410; failed: anything else, its last version kept.
   */
  outcome: "fetched" | "not-modified" | "gone" | "failed";
  /** A request went out for it (not when the sitemap's lastmod answered). */
  requested: boolean;
  etag?: string | null;
  lastModified?: string | null;
  /** SHA-256 of the bytes sent, when a body was read. */
  bodyHash?: string;
  links: string[];
  error?: string;
}

/** Settings and hooks a connector may use; the core builds them from configuration. */
export interface ExtractContext {
  /** Aborted when the job is cancelled or the server stops. */
  signal: AbortSignal;
  /** Reports progress in the connector's natural unit (pages, ...). */
  onProgress?: (done: number, total: number | null, unit: string) => void;
  /** Caps the text extracted from one source (MAX_EXTRACTED_BYTES); see createTextBudget. */
  budget: TextBudget;
  /** Web pages as the last sync saw them, by address: asked for only if changed. */
  known?: Record<string, KnownPage>;
  web: {
    /** Fetch private, loopback and link-local addresses too (ALLOW_PRIVATE_URLS). */
    allowPrivateUrls: boolean;
    /** Per request. */
    timeoutMs: number;
    /** Largest response body read. */
    maxBytes: number;
    maxRedirects: number;
  };
}

/**
 * Why a source could not be ingested, for clients to act on; the message
 * says it in words. Stored on the source as lastErrorCode.
 */
export const SOURCE_ERROR_CODES = [
  /** Corrupt, protected, empty or unsupported content. */
  "EXTRACTION_FAILED",
  /** More text, expanded bytes or memory than the limits allow. */
  "SOURCE_TOO_LARGE",
  /** Reading it took longer than EXTRACTION_TIMEOUT_MS. */
  "EXTRACTION_TIMEOUT",
  /** The worker reading it died (a crash in a parser). */
  "EXTRACTION_CRASHED",
  /** A web page could not be fetched. */
  "FETCH_FAILED",
  /** The embedding model failed. */
  "EMBEDDING_FAILED",
  /** The server stopped while processing it, too many times. */
  "SERVER_STOPPED",
  /** Anything else; details are in the server log. */
  "INTERNAL_ERROR",
] as const;
export type SourceErrorCode = (typeof SOURCE_ERROR_CODES)[number];

/**
 * A failure to read a source. `retryable: false` (the default) means trying
 * again cannot help (a corrupt file); `true` means it might (a timeout).
 * The message is shown to admins as the source's lastError.
 */
export class ExtractionError extends Error {
  override name = "ExtractionError";
  readonly retryable: boolean;
  readonly code: SourceErrorCode;
  /** The address answered 404 Not Found or 410 Gone: the page no longer exists. */
  readonly gone: boolean;
  constructor(message: string, options: { retryable?: boolean; code?: SourceErrorCode; cause?: unknown; gone?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.code = options.code ?? "EXTRACTION_FAILED";
    this.gone = options.gone ?? false;
  }
}

/** A running count of extracted text that refuses to grow past its limit. */
export interface TextBudget {
  readonly limit: number;
  /** Counts `characters` more; throws SOURCE_TOO_LARGE past the limit. */
  take(characters: number): void;
}

/**
 * Connectors call `take` as their text grows, so that a small file that
 * expands to gigabytes of text is refused early rather than after it has
 * filled memory.
 */
export function createTextBudget(limit: number): TextBudget {
  let used = 0;
  return {
    limit,
    take(characters) {
      used += characters;
      if (used > limit) {
        throw new ExtractionError(
          `The source holds more than ${formatBytes(limit)} of text, the most Parley reads from one source (MAX_EXTRACTED_BYTES). Split it into smaller files.`,
          { code: "SOURCE_TOO_LARGE" },
        );
      }
    },
  };
}

/** "5 MB", "512 KB": sizes as people read them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

export interface Connector {
  /** Stored on the source row; must never change once used. */
  readonly name: string;
  readonly kind: SourceKind;
  /** For messages listing what is supported, e.g. "PDF (.pdf)". */
  readonly label: string;
  accepts(input: Pick<SourceInput, "kind" | "name" | "mimeType">): boolean;
  /**
   * A quick look at an upload's first bytes, in the request that brings it:
   * why it is not a document of this kind (a binary file named .md), so the
   * uploader hears it at once rather than from a failed ingestion. Cheap.
   */
  sniff?(bytes: Uint8Array): string | undefined;
  extract(input: SourceInput, context: ExtractContext): Promise<Extracted>;
}

/**
 * A title from a document's own metadata, unless it is what office software
 * leaves there by itself ("Microsoft Word - report.docx", "Untitled",
 * "Document1", a file name).
 */
export function usableTitle(title: string | undefined | null): string | undefined {
  const text = title?.replace(/\s+/g, " ").trim();
  if (!text || text.length > 300) return undefined;
  if (/^(microsoft (word|powerpoint|excel) - |untitled\b|document\d*$|title$|slide \d+$)/i.test(text)) return undefined;
  if (/^[\w.-]+\.(docx?|pdf|odt|rtf|txt|pages)$/i.test(text)) return undefined;
  return text;
}

/**
 * Whether a document's first line reads as its title: short, a few words,
 * no sentence end, not broken off mid-sentence ("The Loft Coworking: Frequently Asked Questions", not
 * "The HTML version of the policy can be found in the python3-dev package").
 */
export function readsAsTitle(line: string | undefined): line is string {
  if (!line || line.length > 100 || /[.!?,;:]$/.test(line) || !/\p{L}/u.test(line) || line.split(/\s+/).length > 10) return false;
  // A line cut from a wrapped sentence ("[Note: this is the manifesto, for general information about") is no title:
  // it ends on a word that leads into the next line, or leaves a bracket open.
  const opened = (line.match(/[([{]/g) ?? []).length;
  const closed = (line.match(/[)\]}]/g) ?? []).length;
  return opened === closed && !TRAILING_FUNCTION_WORD.test(line);
}

/** Words a title does not end on, but a line broken mid-sentence often does. */
const TRAILING_FUNCTION_WORD = /\b(a|an|the|of|for|to|in|on|at|by|with|about|from|and|or|but|is|are|was|were|that|which|as|into|than)$/i;

export function defineConnector(connector: Connector): Connector {
  return connector;
}

/** The lower-cased extension of a file name, with its dot ("" when none). */
export function extensionOf(name: string): string {
  const match = /\.[a-z0-9]+$/i.exec(name.trim());
  return match ? match[0].toLowerCase() : "";
}
