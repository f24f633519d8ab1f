import type { CitedSource, FrameMessage } from "./types.js";

export interface StoredMessage {
  /** "operator": a person of the business; "notice": a line about the conversation (a person joined, left). */
  role: "user" | "assistant" | "operator" | "notice";
  text: string;
  /** An operator's first name. */
  author?: string;
  /** The stored answer's id, for ratings. */
  id?: string;
  sources?: CitedSource[];
  rating?: "UP" | "DOWN";
  /** The answer stopped before completing (the text is what had arrived). */
  failed?: boolean;
  /** The visitor stopped it. */
  stopped?: boolean;
}

/** Where a conversation handed to a person stands; absent while the bot answers. */
export interface HandoffStatus {
  state: "WAITING" | "PERSON";
  /** Place in the queue while WAITING. */
  position?: number | null;
  /** The person's first name while PERSON. */
  operator?: string | null;
}

export interface Conversation {
  sessionId?: string;
  messages: StoredMessage[];
  handoff?: HandoffStatus;
  /** The last answer offered a person (the bot could not answer). */
  offerPerson?: boolean;
}

/** Where the conversation survives page reloads. */
export interface ConversationStore {
  load(): Promise<Conversation>;
  save(conversation: Conversation): void;
}

/** Enough to pick up where the visitor left off, small enough for localStorage. */
const KEEP = 50;

const storageKey = (botId: string) => `parley:${botId}`;

/** A conversation from untrusted JSON: only well-formed messages are kept. */
export function parseConversation(value: unknown): Conversation {
  const raw = value as Partial<Conversation> | null;
  if (!raw || !Array.isArray(raw.messages)) return { messages: [] };
  const roles = new Set(["user", "assistant", "operator", "notice"]);
  const messages = raw.messages.filter((m): m is StoredMessage => !!m && roles.has(m.role) && typeof m.text === "string");
  const handoff = raw.handoff && (raw.handoff.state === "WAITING" || raw.handoff.state === "PERSON") ? { handoff: { state: raw.handoff.state } } : {};
  return {
    ...(typeof raw.sessionId === "string" && { sessionId: raw.sessionId }),
    messages,
    ...handoff,
    ...(raw.offerPerson === true && { offerPerson: true }),
  };
}

export const trimmed = (conversation: Conversation): Conversation => ({ ...conversation, messages: conversation.messages.slice(-KEEP) });

/** A page's own localStorage: the chat's when it may have one, the host page's through the launcher. */
export function localStore(botId: string): ConversationStore {
  return {
    async load() {
      try {
        return parseConversation(JSON.parse(localStorage.getItem(storageKey(botId)) ?? "null"));
      } catch {
        // Storage blocked (third-party iframes in most browsers now): the conversation lives for this page.
        return { messages: [] };
      }
    },
    save(conversation) {
      try {
        localStorage.setItem(storageKey(botId), JSON.stringify(trimmed(conversation)));
      } catch {
        // As above: nothing to keep it in.
      }
    },
  };
}

/**
 * Storage in the host page, through the launcher: browsers deny or partition
 * storage in third-party iframes, but the launcher runs on the host page
 * itself, where the visitor's conversation on that site can be kept.
 */
export function hostStore(): ConversationStore {
  // The embedding page's origin: messages carrying the conversation go nowhere else.
  const host = location.ancestorOrigins?.[0] ?? (document.referrer ? new URL(document.referrer).origin : undefined);
  const post = (message: FrameMessage) => host && window.parent.postMessage(message, host);
  return {
    load: () =>
      new Promise((resolve) => {
        const timer = setTimeout(() => finish({ messages: [] }), 2000);
        const onMessage = (event: MessageEvent<FrameMessage>) => {
          if (event.source === window.parent && event.origin === host && event.data?.type === "parley:restore")
            finish(parseConversation(event.data.conversation));
        };
        const finish = (conversation: Conversation) => {
          clearTimeout(timer);
          removeEventListener("message", onMessage);
          resolve(conversation);
        };
        addEventListener("message", onMessage);
        post({ type: "parley:ready" });
      }),
    save: (conversation) => post({ type: "parley:save", conversation: trimmed(conversation) }),
  };
}
