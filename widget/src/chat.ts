import type { Client } from "graphql-ws/client";
import { icon, THUMB } from "./icons.js";
import { isCloseEvent, openConnection, type ConnectionState } from "./connection.js";
import { stringsFor } from "./i18n.js";
import { link, renderMarkdown, safeUrl } from "./markdown.js";
import { hostStore, localStore, type Conversation, type StoredMessage } from "./store.js";
import type { CitedSource, FrameMessage, PageConfig } from "./types.js";

const CHAT = `subscription Chat($botId: ID!, $message: String!, $sessionId: String) {
  chat(botId: $botId, message: $message, sessionId: $sessionId) {
    __typename
    ... on ChatStarted { sessionId }
    ... on ChatToken { text }
    ... on ChatCompleted { sessionId message { id content } sources { type name url page } }
    ... on ChatFailed { code error }
  }
}`;

const RATE = `mutation Rate($messageId: ID!, $rating: Feedback!) { rateMessage(messageId: $messageId, rating: $rating) { id feedback } }`;

type ChatEvent =
  | { __typename: "ChatStarted"; sessionId: string }
  | { __typename: "ChatToken"; text: string }
  | { __typename: "ChatCompleted"; sessionId: string; message: { id: string; content: string }; sources: CitedSource[] }
  | { __typename: "ChatFailed"; code: string; error: string };

interface GraphQLError {
  message: string;
  extensions?: { code?: string; retryAfterSeconds?: number };
}

const MAX_QUESTION = 4000;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = Object.assign(document.createElement(tag), props);
  element.append(...children);
  return element;
}

/** The first GraphQL error of a failed operation, whatever shape graphql-ws handed over. */
function firstError(error: unknown): GraphQLError | undefined {
  if (Array.isArray(error)) return error[0] as GraphQLError | undefined;
  if (error && typeof error === "object" && "message" in error) return error as GraphQLError;
  return undefined;
}

/** The full-page chat inside the widget's iframe (or opened on its own). */
// Over the 100-line limit until it is split into a DOM-free conversation core, a view and the wiring (issue 27).
// eslint-disable-next-line max-lines-per-function
export async function startChat(config: PageConfig): Promise<void> {
  const { bot } = config;
  const t = stringsFor(bot.language);
  if (bot.primaryColor) document.documentElement.style.setProperty("--pw-accent", bot.primaryColor);

  const status = h("p", { className: "pw-status", hidden: true });
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const log = h("div", { className: "pw-log", tabIndex: 0 });
  log.setAttribute("role", "log");
  // role=log implies it, but not every screen reader honours the implicit value.
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", t.conversation(bot.name));
  const input = h("textarea", { id: "pw-input", rows: 1, maxLength: MAX_QUESTION, placeholder: t.placeholder, autocomplete: "off" });
  const send = h("button", { type: "submit", className: "pw-send", textContent: t.send });
  // While an answer streams, Stop takes Send's place: it cancels the answer (the server stops the model).
  const stop = h("button", { type: "button", className: "pw-send", textContent: t.stop, hidden: true });
  stop.setAttribute("aria-label", t.stopLabel);
  const form = h("form", { className: "pw-form" }, h("label", { htmlFor: "pw-input", className: "pw-sr", textContent: t.ask(bot.name) }), input, send, stop);
  let stopAnswer: (() => void) | undefined;
  stop.addEventListener("click", () => stopAnswer?.());
  const fresh = h("button", { type: "button", className: "pw-icon", textContent: t.newChat, title: t.newChatTitle });
  const head = h("header", { className: "pw-head" }, h("h1", { textContent: bot.title }), fresh);
  if (config.embedded) {
    const close = h("button", { type: "button", className: "pw-icon pw-close", textContent: "×" });
    close.setAttribute("aria-label", t.close);
    close.addEventListener("click", () => postToHost({ type: "parley:close" }));
    head.append(close);
  }
  const root = document.getElementById("parley") ?? document.body;
  root.replaceChildren(head, status, log, form);

  const store = config.embedded ? hostStore() : localStore(config.botId);
  let conversation: Conversation = await store.load();
  let connection: ConnectionState = "idle";
  let busy = false;
  let blockedUntil = 0;
  let notice = "";

  const client: Client = openConnection(new URL(config.endpoint, location.href).href.replace(/^http/, "ws"), config.apiKey, (state, reason) => {
    connection = state;
    if (state === "refused") notice = reason ? `${t.refused} (${reason})` : t.refused;
    refresh();
  });

  /** One line of status, most important first: refused, offline, reconnecting, rate-limited. */
  function refresh(): void {
    const waiting = Math.ceil((blockedUntil - Date.now()) / 1000);
    let text: string;
    if (connection === "refused") text = notice;
    else if (!navigator.onLine) text = busy ? t.offlineWaiting : t.offline;
    else if (connection === "lost" && busy) text = t.lost;
    else if (waiting > 0) text = t.rateLimited(waiting);
    else text = notice;
    status.textContent = text;
    status.hidden = !text;
    send.disabled = busy || waiting > 0 || connection === "refused";
    const stopHadFocus = document.activeElement === stop;
    send.hidden = busy;
    stop.hidden = !busy;
    if (stopHadFocus && !busy) input.focus();
    input.disabled = connection === "refused";
    log.setAttribute("aria-busy", String(busy));
  }
  addEventListener("online", refresh);
  addEventListener("offline", refresh);

  function renderSources(sources: CitedSource[]): HTMLElement | undefined {
    if (!sources.length) return undefined;
    const list = h("ul");
    for (const source of sources) {
      const label = source.page ? `${source.name} (${t.page(source.page)})` : source.name;
      const url = source.url && safeUrl(source.url);
      list.append(h("li", {}, url ? link(url, label) : label));
    }
    return h("div", { className: "pw-sources" }, h("p", { textContent: t.sources }), list);
  }

  function renderRating(message: StoredMessage): HTMLElement | undefined {
    if (!message.id) return undefined;
    const buttons = (["UP", "DOWN"] as const).map((rating) => {
      const button = h("button", { type: "button", className: "pw-rate" }, icon(THUMB, 16, rating === "UP" ? 0 : 180));
      button.setAttribute("aria-label", rating === "UP" ? t.helpful : t.notHelpful);
      button.setAttribute("aria-pressed", String(message.rating === rating));
      button.addEventListener("click", () => rate(message, rating, buttons));
      return button;
    });
    return h("div", { className: "pw-rating" }, ...buttons);
  }

  /** Draws one message; returns a function that redraws it as it changes. */
  function renderMessage(message: StoredMessage, focus = false): (streaming?: boolean) => void {
    const bubble = h("div", { className: `pw-msg pw-${message.role === "user" ? "user" : "bot"}` });
    log.append(bubble);
    const draw = (streaming = false) => {
      const who = h("span", { className: "pw-sr", textContent: message.role === "user" ? t.you : `${bot.name}: ` });
      const text = h("div", { className: "pw-text" });
      if (message.role === "user") text.textContent = message.text;
      else text.append(renderMarkdown(message.text));
      const parts: (HTMLElement | undefined)[] = [who, text];
      if (streaming && !message.text) text.append(h("span", { className: "pw-typing", textContent: "…" }));
      if (message.stopped) parts.push(h("p", { className: "pw-error", textContent: t.stopped }));
      else if (message.failed) parts.push(h("p", { className: "pw-error", textContent: t.failed }));
      if (!streaming && message.role === "assistant") parts.push(renderSources(message.sources ?? []), renderRating(message));
      bubble.replaceChildren(...parts.filter((p): p is HTMLElement => !!p));
      bubble.setAttribute("aria-busy", String(streaming));
      if (focus || log.scrollHeight - log.scrollTop - log.clientHeight < 120) log.scrollTop = log.scrollHeight;
    };
    draw();
    return draw;
  }

  function renderAll(): void {
    log.replaceChildren();
    if (bot.greeting) renderMessage({ role: "assistant", text: bot.greeting });
    for (const message of conversation.messages) renderMessage(message);
    log.scrollTop = log.scrollHeight;
  }

  function rate(message: StoredMessage, rating: "UP" | "DOWN", buttons: HTMLButtonElement[]): void {
    const previous = message.rating;
    message.rating = rating;
    buttons.forEach((b, i) => b.setAttribute("aria-pressed", String((i === 0 ? "UP" : "DOWN") === rating)));
    store.save(conversation);
    client.subscribe<{ rateMessage: { id: string } }>(
      { query: RATE, variables: { messageId: message.id, rating } },
      {
        next: () => {},
        error: (error) => {
          message.rating = previous;
          buttons.forEach((b, i) => b.setAttribute("aria-pressed", String((i === 0 ? "UP" : "DOWN") === previous)));
          store.save(conversation);
          showError(error);
        },
        complete: () => {},
      },
    );
  }

  /** Says why an operation was refused; a rate limit blocks sending until it passes. */
  function showError(error: unknown): void {
    if (isCloseEvent(error)) return; // the connection state says it
    const first = firstError(error);
    if (first?.extensions?.code === "RATE_LIMITED") {
      blockedUntil = Date.now() + (first.extensions.retryAfterSeconds ?? 60) * 1000;
      const tick = setInterval(() => {
        refresh();
        if (Date.now() >= blockedUntil) clearInterval(tick);
      }, 1000);
    } else {
      notice = first?.message ?? t.error;
    }
    refresh();
  }

  function ask(text: string, retried = false): void {
    busy = true;
    notice = "";
    const question: StoredMessage = { role: "user", text };
    const answer: StoredMessage = { role: "assistant", text: "" };
    conversation.messages.push(question, answer);
    renderMessage(question, true);
    const draw = renderMessage(answer, true);
    draw(true);
    refresh();

    let frame = 0;
    const finish = () => {
      if (!busy) return;
      cancelAnimationFrame(frame);
      busy = false;
      stopAnswer = undefined;
      store.save(conversation);
      refresh();
    };
    /** The question did not reach the bot: take it back so nothing typed is lost. */
    const withdraw = () => {
      conversation.messages = conversation.messages.filter((m) => m !== question && m !== answer);
      renderAll();
      if (!input.value) input.value = text;
    };

    /** The question was refused (rate limit, bad input, lost access) or the socket was: say why. */
    let done = false;
    const refused = (error: unknown) => {
      if (done) return;
      done = true;
      withdraw();
      finish();
      // A stored conversation the server no longer has: start a new one with the same question.
      if (firstError(error)?.extensions?.code === "NOT_FOUND" && conversation.sessionId && !retried) {
        input.value = "";
        delete conversation.sessionId;
        return ask(text, true);
      }
      showError(error);
    };

    const unsubscribe = client.subscribe<{ chat: ChatEvent }>(
      { query: CHAT, variables: { botId: config.botId, message: text, sessionId: conversation.sessionId ?? null } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return refused(errors);
          const event = data?.chat;
          if (!event) return;
          switch (event.__typename) {
            case "ChatStarted":
              // Also after a reconnect: the question was asked again and the answer starts over.
              conversation.sessionId = event.sessionId;
              answer.text = "";
              draw(true);
              break;
            case "ChatToken":
              answer.text += event.text;
              cancelAnimationFrame(frame);
              frame = requestAnimationFrame(() => draw(true));
              break;
            case "ChatCompleted":
              Object.assign(answer, { text: event.message.content, id: event.message.id, sources: event.sources });
              conversation.sessionId = event.sessionId;
              cancelAnimationFrame(frame);
              draw();
              break;
            case "ChatFailed":
              answer.failed = true;
              cancelAnimationFrame(frame);
              draw();
              break;
          }
        },
        error: refused,
        complete: finish,
      },
    );
    stopAnswer = () => {
      done = true;
      unsubscribe();
      answer.stopped = true;
      draw();
      finish();
    };
  }

  function postToHost(message: FrameMessage): void {
    if (window.parent !== window) window.parent.postMessage(message, "*");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || send.disabled) return;
    input.value = "";
    resize();
    ask(text);
  });
  const resize = () => {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  };
  input.addEventListener("input", resize);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  fresh.addEventListener("click", () => {
    if (busy) return;
    conversation = { messages: [] };
    store.save(conversation);
    notice = "";
    renderAll();
    refresh();
    input.focus();
  });
  addEventListener("keydown", (event) => {
    if (event.key === "Escape" && config.embedded) postToHost({ type: "parley:close" });
  });
  addEventListener("message", (event: MessageEvent<FrameMessage>) => {
    if (event.source === window.parent && event.data?.type === "parley:open") input.focus();
  });

  renderAll();
  refresh();
}
