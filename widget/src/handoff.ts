/**
 * A person of the business taking over the conversation, on the widget's
 * side: asking for one, the place in the queue, the person joining and
 * leaving, their typing and their messages, and getting all of it back
 * after a reload or a dropped connection, without losing or doubling a
 * message. Like the conversation core, it touches no DOM.
 */
import { graphql } from "./gql/index.js";
import type { ConversationEventsSubscription, PublicConversationQuery, RequestPersonMutation } from "./gql/graphql.js";
import type { Strings } from "./i18n.js";
import type { Conversation, HandoffStatus, StoredMessage } from "./store.js";
import type { Sink, SubscribePort } from "./port.js";

const EVENTS = graphql(`
  subscription ConversationEvents($botId: ID!, $sessionId: String!) {
    conversationEvents(botId: $botId, sessionId: $sessionId) {
      __typename
      ... on HandoffPosition {
        position
      }
      ... on HandoffJoined {
        operatorName
      }
      ... on HandoffLeft {
        reason
      }
      ... on HandoffMessage {
        message {
          id
          role
          content
          authorName
        }
      }
    }
  }
`);

const REQUEST = graphql(`
  mutation RequestPerson($botId: ID!, $sessionId: String) {
    requestPerson(botId: $botId, sessionId: $sessionId) {
      sessionId
      state
      position
    }
  }
`);

const TYPING = graphql(`
  mutation VisitorTyping($botId: ID!, $sessionId: String!) {
    visitorTyping(botId: $botId, sessionId: $sessionId)
  }
`);

const RESTORE = graphql(`
  query PublicConversation($botId: ID!, $sessionId: String!) {
    publicConversation(botId: $botId, sessionId: $sessionId) {
      handoffState
      queuePosition
      operatorName
      messages(last: 50) {
        id
        role
        content
        authorName
      }
    }
  }
`);

type Event = ConversationEventsSubscription["conversationEvents"];
type ServerMessage = PublicConversationQuery["publicConversation"]["messages"][number];

/** How long "is typing" shows after the last sign of it. */
const TYPING_SHOWN_MS = 6000;
/** The visitor's typing is sent at most this often. */
const TYPING_SENT_MS = 3000;

export interface HandoffOptions {
  port: SubscribePort;
  botId: string;
  conversation: () => Conversation;
  /** Something about the hand-off changed: draw it, keep it. */
  changed(): void;
  added(message: StoredMessage): void;
  notice(text: string): void;
  /** Nobody can come now: the message form shows. */
  unavailable(): void;
  strings: Pick<Strings, "personJoined" | "personLeft" | "personClosed" | "nobodyAvailable">;
  now?: () => number;
}

/**
 * What the server's news does to the conversation: the queue, the person
 * joining and leaving (a line in the log each), their messages (once each,
 * though the stream and a restore may both bring one) and their typing.
 */
function conversationState({ conversation, changed, added, strings, now = Date.now }: Omit<HandoffOptions, "port" | "botId" | "notice">, stop: () => void) {
  const personTyping = typingShown(changed, now);
  const append = (message: StoredMessage) => {
    conversation().messages.push(message);
    added(message);
  };
  const set = (handoff: HandoffStatus | undefined) => {
    const current = conversation();
    if (handoff) current.handoff = handoff;
    else delete current.handoff;
    changed();
  };
  function take(message: Pick<ServerMessage, "id" | "role" | "content" | "authorName">): void {
    if (message.role !== "OPERATOR" || conversation().messages.some((m) => m.id === message.id)) return;
    personTyping.clear();
    append({ role: "operator", text: message.content, id: message.id, ...(message.authorName && { author: message.authorName }) });
  }
  function leave(reason: string | null): void {
    const name = conversation().handoff?.operator ?? "";
    stop();
    set(undefined);
    // The visitor left the queue themselves (a message instead): nothing to tell them.
    if (reason === "WITHDRAWN") return;
    append({ role: "notice", text: reason === "CLOSED" ? strings.personClosed(name) : strings.personLeft(name) });
  }
  function received(event: Event): void {
    switch (event.__typename) {
      case "HandoffPosition":
        return set({ state: "WAITING", position: event.position });
      case "HandoffQueued":
        return set({ state: "WAITING", position: conversation().handoff?.position ?? null });
      case "HandoffJoined":
        set({ state: "PERSON", operator: event.operatorName });
        return append({ role: "notice", text: strings.personJoined(event.operatorName) });
      case "HandoffLeft":
        return leave(event.reason);
      case "HandoffMessage":
        return take(event.message);
      case "HandoffTyping":
        return personTyping.show();
    }
  }
  return { set, take, leave, received, personTyping };
}

export function createHandoff(options: HandoffOptions) {
  const { port, botId, conversation, changed, notice, strings, now = Date.now } = options;
  let stopFollowing: (() => void) | undefined;
  let typingSent = 0;
  const { set, take, leave, received, personTyping } = conversationState(options, () => stop());

  function stop(): void {
    stopFollowing?.();
    stopFollowing = undefined;
    personTyping.clear();
  }

  /** Listens to the conversation's events, and catches up on what was missed (after a reload, or the socket's return). */
  function follow(): void {
    const sessionId = conversation().sessionId;
    if (stopFollowing || !sessionId) return;
    stopFollowing = port.subscribe<ConversationEventsSubscription>(
      { query: EVENTS.toString(), variables: { botId, sessionId } },
      {
        next: ({ data }) => data?.conversationEvents && received(data.conversationEvents),
        error: () => (stopFollowing = undefined),
        complete: () => (stopFollowing = undefined),
      },
    );
    restore();
  }

  /** The server's view of the conversation: who holds it, and the operator's messages this page has not seen. */
  function restore(): void {
    const sessionId = conversation().sessionId;
    if (!sessionId) return;
    once<PublicConversationQuery>(port, RESTORE.toString(), { botId, sessionId }, ({ data }) => {
      const found = data?.publicConversation;
      if (!found) return;
      found.messages.forEach(take);
      if (found.handoffState === "BOT" && conversation().handoff) return leave(null);
      if (found.handoffState === "PERSON") set({ state: "PERSON", operator: found.operatorName ?? null });
      if (found.handoffState === "WAITING") set({ state: "WAITING", position: found.queuePosition ?? null });
    });
  }

  return {
    /** Whether the person's typing shows now. */
    personTyping: personTyping.shown,
    follow,
    restore,
    stop,

    /** The visitor asks for a person. */
    request(done: (error?: unknown) => void): void {
      const variables = { botId, sessionId: conversation().sessionId ?? null };
      once<RequestPersonMutation>(
        port,
        REQUEST.toString(),
        variables,
        ({ data, errors }) => {
          if (errors?.length) return done(errors);
          if (data?.requestPerson) handed(data.requestPerson.sessionId, data.requestPerson.state, data.requestPerson.position ?? null);
          done();
        },
        done,
      );
    },

    /** What the server said of a question that asked for a person (ChatHandoff), or of requestPerson. */
    handed,

    /** The visitor is typing: the person sees it, at most every few seconds. */
    typing(): void {
      const sessionId = conversation().sessionId;
      if (conversation().handoff?.state !== "PERSON" || !sessionId || now() - typingSent < TYPING_SENT_MS) return;
      typingSent = now();
      once(port, TYPING.toString(), { botId, sessionId }, () => {});
    },
  };

  function handed(sessionId: string, state: string, position: number | null): void {
    conversation().sessionId = sessionId;
    conversation().offerPerson = false;
    if (state === "BOT") {
      notice(strings.nobodyAvailable);
      options.unavailable();
      return changed();
    }
    set(state === "PERSON" ? { state: "PERSON", operator: conversation().handoff?.operator ?? null } : { state: "WAITING", position });
    follow();
  }
}

export type Handoff = ReturnType<typeof createHandoff>;

/** "Is typing", shown for a while after each sign of it; `changed` is called when it goes. */
function typingShown(changed: () => void, now: () => number) {
  let until = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    shown: () => until > now(),
    show(): void {
      until = now() + TYPING_SHOWN_MS;
      clearTimeout(timer);
      timer = setTimeout(changed, TYPING_SHOWN_MS + 50);
      changed();
    },
    clear(): void {
      until = 0;
      clearTimeout(timer);
    },
  };
}

/** A query or mutation over the port: its one result, or its failure (ignored unless `failed` is given). */
function once<T>(
  port: SubscribePort,
  query: string,
  variables: Record<string, unknown>,
  next: (result: Parameters<Sink<T>["next"]>[0]) => void,
  failed: (error: unknown) => void = () => {},
): void {
  port.subscribe<T>({ query, variables }, { next, error: failed, complete: () => {} });
}
