/** What the widget page (GET /widget/:botId) hands to the script, as JSON in #parley-config. */
export interface PageConfig {
  botId: string;
  apiKey: string;
  /** The GraphQL endpoint's path on the page's own origin. */
  endpoint: string;
  /** Opened by the launcher: show a close button that asks the host page to hide the panel. */
  embedded: boolean;
  bot: PublicFace;
}

/** The bot's public face (the `publicBot` query). */
export interface PublicFace {
  name: string;
  title: string;
  greeting: string | null;
  primaryColor: string | null;
  position: string;
  /** The widget's own words: en, de, fr, nl or es. */
  language: string;
  /** When to offer a person: NEVER, WHEN_UNANSWERED or ALWAYS. */
  handoff?: string;
  /** How long in the queue before leaving a message is offered. */
  handoffWaitSeconds?: number;
  /** What the message form asks besides email and message: NAME, PHONE. */
  leadFields?: string[];
}

export interface CitedSource {
  type: "DOCUMENT" | "LINK" | "TEXT";
  name: string;
  url: string | null;
  page: number | null;
}

/** Messages between the launcher (host page) and the widget page in its iframe. */
export type FrameMessage =
  | { type: "parley:open" }
  | { type: "parley:close" }
  /** The chat is listening: the launcher answers with the stored conversation. */
  | { type: "parley:ready" }
  | { type: "parley:restore"; conversation: unknown }
  | { type: "parley:save"; conversation: unknown };
