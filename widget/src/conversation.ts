/**
 * The conversation, without a page: what was asked and answered, whether an
 * answer is streaming, why the bot cannot be reached. It talks to Parley
 * through a port with graphql-ws's `subscribe` shape and tells its view what
 * changed; it touches no DOM, so it runs (and is tested) under Node.
 */
import { isCloseEvent, type ConnectionState } from "./connection.js";
import type { GraphQLErrorLike, SubscribePort } from "./port.js";
import { graphql } from "./gql/index.js";
import type { ChatSubscription, RateMutation } from "./gql/graphql.js";
import type { Strings } from "./i18n.js";
import type { Conversation, ConversationStore, StoredMessage } from "./store.js";
import { createHandoff, type Handoff } from "./handoff.js";
import { createLeadForm, type LeadForm } from "./lead.js";

const CHAT = graphql(`
  subscription Chat($botId: ID!, $message: String!, $sessionId: String) {
    chat(botId: $botId, message: $message, sessionId: $sessionId) {
      __typename
      ... on ChatStarted {
        sessionId
        messageId
      }
      ... on ChatToken {
        text
      }
      ... on ChatCompleted {
        sessionId
        offerPerson
        message {
          id
          content
        }
        sources {
          type
          name
          url
          page
        }
      }
      ... on ChatFailed {
        code
        error
      }
      ... on ChatHeld {
        state
      }
      ... on ChatHandoff {
        sessionId
        state
        position
      }
    }
  }
`);

const RATE = graphql(`
  mutation Rate($messageId: ID!, $rating: Feedback!) {
    rateMessage(messageId: $messageId, rating: $rating) {
      id
      feedback
    }
  }
`);

/** What changed, for the view to draw. */
export type Change =
  /** Everything: draw the conversation again. */
  | { type: "reset" }
  /** A message was added at the end. */
  | { type: "added"; message: StoredMessage }
  /** A message's text, sources or end changed; `streaming` while its answer arrives. */
  | { type: "updated"; message: StoredMessage; streaming: boolean }
  /** A message's rating changed (or was taken back). */
  | { type: "rated"; message: StoredMessage }
  /** A question did not reach the bot: its text goes back to the visitor. */
  | { type: "withdrawn"; text: string }
  /** The status line's facts changed. */
  | { type: "status" }
  /** Who answers changed (the queue, a person joining or leaving, their typing), or whether to offer a person. */
  | { type: "handoff" };

export interface ConversationStatus {
  connection: ConnectionState;
  /** An answer is streaming. */
  busy: boolean;
  /** Sending waits this many more seconds (a rate limit); 0 when it need not. */
  waitSeconds: number;
  /** Why the last thing failed, in the visitor's words; empty when nothing did. */
  notice: string;
}

/** The first GraphQL error of a failed operation, whatever shape graphql-ws handed over. */
export function firstError(error: unknown): GraphQLErrorLike | undefined {
  if (Array.isArray(error)) return error[0] as GraphQLErrorLike | undefined;
  if (error && typeof error === "object" && "message" in error && !isCloseEvent(error)) return error as GraphQLErrorLike;
  return undefined;
}

export interface ConversationOptions {
  port: SubscribePort;
  store: ConversationStore;
  botId: string;
  conversation: Conversation;
  strings: Pick<Strings, "refused" | "error" | "personJoined" | "personLeft" | "personClosed" | "nobodyAvailable">;
  now?: () => number;
  /** How long in the queue before leaving a message is offered (the bot's setting). */
  handoffWaitSeconds?: number;
}

export type ConversationCore = ReturnType<typeof createConversation>;

/** What one event of an answer's stream does to the conversation, its question and its answer. */
function received(event: ChatSubscription["chat"], conversation: Conversation, question: StoredMessage, answer: StoredMessage, handoff: Handoff): Change {
  switch (event.__typename) {
    case "ChatStarted":
      // Also after a reconnect: the question was asked again and the answer starts over.
      conversation.sessionId = event.sessionId;
      question.id = event.messageId;
      answer.text = "";
      return { type: "updated", message: answer, streaming: true };
    case "ChatToken":
      answer.text += event.text;
      return { type: "updated", message: answer, streaming: true };
    case "ChatCompleted":
      Object.assign(answer, { text: event.message.content, id: event.message.id, sources: event.sources });
      conversation.sessionId = event.sessionId;
      conversation.offerPerson = event.offerPerson;
      return { type: "updated", message: answer, streaming: false };
    case "ChatFailed":
      answer.failed = true;
      return { type: "updated", message: answer, streaming: false };
    case "ChatHeld":
    case "ChatHandoff":
      // The question went to a person: the bot's answer never comes.
      conversation.messages = conversation.messages.filter((m) => m !== answer);
      if (event.__typename === "ChatHandoff") handoff.handed(event.sessionId, event.state, event.position ?? null);
      return { type: "reset" };
  }
}

/** Rates an answer at once, and takes the rating back if the server refuses it. */
function rate(
  port: SubscribePort,
  message: StoredMessage,
  rating: "UP" | "DOWN",
  { changed, refused }: { changed(): void; refused(error: unknown): void },
): void {
  const set = (value: StoredMessage["rating"]) => {
    message.rating = value;
    changed();
  };
  if (!message.id) return;
  const previous = message.rating;
  set(rating);
  const undo = (error: unknown) => {
    set(previous);
    refused(error);
  };
  port.subscribe<RateMutation>(
    { query: RATE.toString(), variables: { messageId: message.id, rating } },
    { next: ({ errors }) => errors?.length && undo(errors), error: undo, complete: () => {} },
  );
}

/** The status line's facts: the connection, a rate limit's wait, and why the last thing failed. */
function createStatus(emit: (change: Change) => void, strings: ConversationOptions["strings"], now: () => number) {
  let connection: ConnectionState = "idle";
  let blockedUntil = 0;
  let notice = "";
  return {
    busy: false,
    get notice() {
      return notice;
    },
    set notice(text: string) {
      notice = text;
    },
    canSend(): boolean {
      return !this.busy && blockedUntil <= now() && connection !== "refused";
    },
    facts(): ConversationStatus {
      return { connection, busy: this.busy, waitSeconds: Math.max(0, Math.ceil((blockedUntil - now()) / 1000)), notice };
    },
    connectionChanged(state: ConnectionState, reason?: string): void {
      connection = state;
      if (state === "refused") notice = reason ? `${strings.refused} (${reason})` : strings.refused;
      emit({ type: "status" });
    },
    /** Says why an operation was refused; a rate limit blocks sending until it passes, ticking once a second. */
    showError(error: unknown): void {
      // A socket's close (graphql-ws hands it to `error` too): the connection's state says it, not the notice.
      if (isCloseEvent(error)) return emit({ type: "status" });
      const first = firstError(error);
      if (first?.extensions?.code === "RATE_LIMITED") {
        blockedUntil = now() + (first.extensions.retryAfterSeconds ?? 60) * 1000;
        const tick = setInterval(() => {
          emit({ type: "status" });
          if (now() >= blockedUntil) clearInterval(tick);
        }, 1000);
      } else {
        notice = first?.message ?? strings.error;
      }
      emit({ type: "status" });
    },
  };
}

/** The hand-off of `current()` to a person and the message form, telling the view and the store what they change. */
function handoffIn(
  { port, store, botId, strings, now, handoffWaitSeconds = 120 }: Omit<ConversationOptions, "conversation">,
  current: () => Conversation,
  emit: (change: Change) => void,
  status: { notice: string },
): { handoff: Handoff; lead: LeadForm } {
  const lead = createLeadForm({ port, botId, conversation: current, changed: () => emit({ type: "handoff" }), waitSeconds: handoffWaitSeconds });
  const saved = (change: Change) => {
    store.save(current());
    emit(change);
  };
  const handoff = createHandoff({
    port,
    botId,
    conversation: current,
    changed: () => {
      lead.waiting(current().handoff?.state === "WAITING");
      saved({ type: "handoff" });
    },
    added: (message) => saved({ type: "added", message }),
    notice: (text) => {
      status.notice = text;
      emit({ type: "status" });
    },
    unavailable: lead.open,
    strings,
    ...(now && { now }),
  });
  // A conversation a person holds (or is asked for) goes on after a reload.
  if (current().handoff) handoff.follow();
  return { handoff, lead };
}

export function createConversation(options: ConversationOptions) {
  const { port, store, botId, conversation: initial, strings, now = Date.now } = options;
  let conversation = initial;
  let stopAnswer: (() => void) | undefined;
  const listeners = new Set<(change: Change) => void>();
  const emit = (change: Change) => listeners.forEach((listener) => listener(change));
  const status = createStatus(emit, strings, now);
  const { handoff, lead } = handoffIn(options, () => conversation, emit, status);

  function ask(text: string, retried = false): void {
    status.busy = true;
    status.notice = "";
    const question: StoredMessage = { role: "user", text };
    const answer: StoredMessage = { role: "assistant", text: "" };
    conversation.messages.push(question, answer);
    emit({ type: "added", message: question });
    emit({ type: "added", message: answer });
    emit({ type: "updated", message: answer, streaming: true });
    emit({ type: "status" });
    const finish = () => {
      if (!status.busy) return;
      status.busy = false;
      stopAnswer = undefined;
      store.save(conversation);
      // The status line, and the hand-off bar: the answer may have offered a person.
      for (const type of ["status", "handoff"] as const) emit({ type });
    };
    let done = false;
    /** The question was refused (rate limit, bad input, lost access) or the socket was: take it back and say why. */
    const refused = (error: unknown) => {
      if (done) return;
      done = true;
      conversation.messages = conversation.messages.filter((m) => m !== question && m !== answer);
      emit({ type: "reset" });
      finish();
      // A stored conversation the server no longer has: start a new one with the same question.
      if (firstError(error)?.extensions?.code === "NOT_FOUND" && conversation.sessionId && !retried) {
        delete conversation.sessionId;
        return ask(text, true);
      }
      emit({ type: "withdrawn", text });
      status.showError(error);
    };
    const unsubscribe = port.subscribe<ChatSubscription>(
      { query: CHAT.toString(), variables: { botId, message: text, sessionId: conversation.sessionId ?? null } },
      {
        next: ({ data, errors }) => (errors?.length ? refused(errors) : data?.chat && emit(received(data.chat, conversation, question, answer, handoff))),
        error: refused,
        complete: finish,
      },
    );
    stopAnswer = () => {
      done = true;
      unsubscribe();
      answer.stopped = true;
      emit({ type: "updated", message: answer, streaming: false });
      finish();
    };
  }

  return {
    get conversation(): Conversation {
      return conversation;
    },
    status: () => status.facts(),
    /** Whether a question may be sent now. */
    canSend: () => status.canSend(),
    listen(listener: (change: Change) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** The connection's state, from the transport; a refusal says why. Back from a drop, a followed conversation catches up. */
    connectionChanged(state: ConnectionState, reason?: string): void {
      if (state === "connected" && conversation.handoff) handoff.restore();
      status.connectionChanged(state, reason);
    },
    /** Where a hand-off stands, for the view: who answers, the place in the queue, the person's typing, whether to offer one. */
    handoff: () => ({ ...conversation.handoff, typing: handoff.personTyping(), offer: !!conversation.offerPerson && !conversation.handoff }),
    /** The visitor asks for a person. */
    requestPerson(): void {
      status.notice = "";
      handoff.request((error) => error && status.showError(error));
    },
    /** The message form, for when nobody can come. */
    lead,
    /** The visitor is typing (told to the person holding the conversation, at most every few seconds). */
    typing: () => handoff.typing(),
    /** Asks a question, unless one is being answered or sending must wait. Returns whether it went. */
    ask(text: string): boolean {
      const question = text.trim();
      if (!question || !status.canSend()) return false;
      ask(question);
      return true;
    },
    /** Stops the answer streaming now (the server stops the model). */
    stop(): void {
      stopAnswer?.();
    },
    rate(message: StoredMessage, rating: "UP" | "DOWN"): void {
      rate(port, message, rating, { changed: () => (store.save(conversation), emit({ type: "rated", message })), refused: status.showError });
    },
    /** Starts a new conversation, unless an answer is streaming. */
    reset(): boolean {
      if (status.busy) return false;
      handoff.stop();
      conversation = { messages: [] };
      store.save(conversation);
      status.notice = "";
      emit({ type: "reset" });
      emit({ type: "status" });
      return true;
    },
  };
}
