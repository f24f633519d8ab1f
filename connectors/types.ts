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
}

/** Settings and hooks a connector may use; the core builds them from configuration. */
export interface ExtractContext {
  /** Aborted when the job is cancelled or the server stops. */
  signal: AbortSignal;
  /** Reports progress in the connector's natural unit (pages, ...). */
  onProgress?: (done: number, total: number | null, unit: string) => void;
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
 * A failure to read a source. `retryable: false` (the default) means trying
 * again cannot help (a corrupt file); `true` means it might (a timeout).
 * The message is shown to admins as the source's lastError.
 */
export class ExtractionError extends Error {
  override name = "ExtractionError";
  readonly retryable: boolean;
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

export interface Connector {
  /** Stored on the source row; must never change once used. */
  readonly name: string;
  readonly kind: SourceKind;
  /** For messages listing what is supported, e.g. "PDF (.pdf)". */
  readonly label: string;
  accepts(input: Pick<SourceInput, "kind" | "name" | "mimeType">): boolean;
  extract(input: SourceInput, context: ExtractContext): Promise<Extracted>;
}

export function defineConnector(connector: Connector): Connector {
  return connector;
}

/** The lower-cased extension of a file name, with its dot ("" when none). */
export function extensionOf(name: string): string {
  const match = /\.[a-z0-9]+$/i.exec(name.trim());
  return match ? match[0].toLowerCase() : "";
}
