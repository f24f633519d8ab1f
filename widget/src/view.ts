/**
 * The chat's page: the header, the log of messages, the status line and the
 * question form, drawn from a conversation core (conversation.ts) as it
 * changes. What the visitor does goes back to the core; nothing here talks to
 * the server.
 */
import type { Change, ConversationCore } from "./conversation.js";
import { icon, THUMB } from "./icons.js";
import type { Strings } from "./i18n.js";
import { link, renderMarkdown, safeUrl } from "./markdown.js";
import type { StoredMessage } from "./store.js";
import type { CitedSource, PublicFace } from "./types.js";

const MAX_QUESTION = 4000;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = Object.assign(document.createElement(tag), props);
  element.append(...children);
  return element;
}

export interface ChatView {
  readonly head: HTMLElement;
  readonly input: HTMLTextAreaElement;
  /** Draws what the core says changed. */
  apply(change: Change): void;
}

/** The page's elements, in `root`, wired to `core`. */
export function createChatView(root: HTMLElement, core: ConversationCore, bot: PublicFace, t: Strings): ChatView {
  const status = h("p", { className: "pw-status", hidden: true });
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const log = h("div", { className: "pw-log", tabIndex: 0 });
  log.setAttribute("role", "log");
  // role=log implies it, but not every screen reader honours the implicit value.
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", t.conversation(bot.name));
  const { form, input, send, stop } = questionForm(core, bot, t);
  const fresh = h("button", { type: "button", className: "pw-icon", textContent: t.newChat, title: t.newChatTitle });
  fresh.addEventListener("click", () => core.reset() && input.focus());
  const head = h("header", { className: "pw-head" }, h("h1", { textContent: bot.title }), fresh);
  const lead = leadForm(core, bot, t);
  const handoff = handoffBar(core, bot, t, lead.draw);
  input.addEventListener("input", () => core.typing());
  root.replaceChildren(head, status, log, handoff.bar, lead.form, form);
  const messages = messageLog(log, core, bot, t);

  /** One line of status, most important first: refused, offline, reconnecting, rate-limited. */
  function refresh(): void {
    const { connection, busy, waitSeconds, notice } = core.status();
    let text: string;
    if (connection === "refused") text = notice;
    else if (!navigator.onLine) text = busy ? t.offlineWaiting : t.offline;
    else if (connection === "lost" && busy) text = t.lost;
    else if (waitSeconds > 0) text = t.rateLimited(waitSeconds);
    else text = notice;
    status.textContent = text;
    status.hidden = !text;
    send.disabled = !core.canSend();
    const stopHadFocus = document.activeElement === stop;
    send.hidden = busy;
    stop.hidden = !busy;
    if (stopHadFocus && !busy) input.focus();
    input.disabled = connection === "refused";
    log.setAttribute("aria-busy", String(busy));
  }
  addEventListener("online", refresh);
  addEventListener("offline", refresh);
  messages.all();
  refresh();
  handoff.draw();

  return {
    head,
    input,
    apply(change) {
      if (change.type === "status") refresh();
      else if (change.type === "handoff") handoff.draw();
      else if (change.type === "withdrawn") input.value ||= change.text;
      else messages.apply(change);
    },
  };
}

/**
 * Where a hand-off stands, above the question box: the place in the queue or
 * the person's typing, and the button that asks for a person when the bot
 * offers one (always, or after an answer it could not give).
 */
function handoffBar(core: ConversationCore, bot: PublicFace, t: Strings, drawLead: () => void) {
  const line = h("p");
  line.setAttribute("role", "status");
  line.setAttribute("aria-live", "polite");
  const ask = h("button", { type: "button", className: "pw-person", textContent: t.talkToPerson });
  ask.addEventListener("click", () => core.requestPerson());
  const instead = h("button", { type: "button", className: "pw-person", textContent: t.leaveInstead });
  instead.addEventListener("click", () => core.lead.open());
  const bar = h("div", { className: "pw-handoff" }, line, ask, instead);
  return {
    bar,
    draw(): void {
      const { state, position, operator, typing, offer } = core.handoff();
      const text = state === "WAITING" ? t.waiting(position) : state === "PERSON" && typing ? t.personTyping(operator ?? "") : "";
      if (line.textContent !== text) line.textContent = text;
      const lead = core.lead.state();
      ask.hidden = !!state || lead === "open" || !(offer || bot.handoff === "ALWAYS");
      instead.hidden = lead !== "offer";
      bar.hidden = !text && ask.hidden && instead.hidden;
      drawLead();
    },
  };
}

/** The message form for when nobody can come: email and message always, name and phone when the bot asks them. */
function leadForm(core: ConversationCore, bot: PublicFace, t: Strings) {
  const asks = new Set(bot.leadFields ?? ["NAME"]);
  const field = (name: string, label: string, props: Partial<HTMLInputElement> = {}) => {
    const control = h("input", { id: `pw-lead-${name}`, name, ...props });
    return h("p", {}, h("label", { htmlFor: control.id, textContent: label }), control);
  };
  const message = h("textarea", { id: "pw-lead-message", name: "message", rows: 3, required: true, maxLength: 4000 });
  const problem = h("p", { className: "pw-error" });
  problem.setAttribute("role", "alert");
  const cancel = h("button", { type: "button", className: "pw-person", textContent: t.cancel });
  cancel.addEventListener("click", () => core.lead.close());
  const form = h(
    "form",
    { className: "pw-lead", hidden: true },
    h("h2", { textContent: t.leadTitle }),
    ...(asks.has("NAME") ? [field("name", t.leadName, { autocomplete: "name", maxLength: 200 })] : []),
    field("email", t.leadEmail, { type: "email", required: true, autocomplete: "email" }),
    ...(asks.has("PHONE") ? [field("phone", t.leadPhone, { type: "tel", autocomplete: "tel", maxLength: 40 })] : []),
    h("p", {}, h("label", { htmlFor: message.id, textContent: t.leadMessage }), message),
    problem,
    h("div", { className: "pw-lead-actions" }, h("button", { type: "submit", className: "pw-send", textContent: t.leadSend }), cancel),
  );
  const thanks = h("p", { className: "pw-notice", textContent: t.leadSent, hidden: true });
  thanks.setAttribute("role", "status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    problem.textContent = "";
    core.lead.send(
      { email: text("email"), message: text("message"), ...(text("name") && { name: text("name") }), ...(text("phone") && { phone: text("phone") }) },
      (error) => {
        if (error) problem.textContent = (Array.isArray(error) ? (error[0] as { message?: string })?.message : undefined) ?? t.error;
      },
    );
  });
  let shown = false;
  return {
    form: h("div", {}, form, thanks),
    draw(): void {
      const state = core.lead.state();
      if (state === "open" && !shown) {
        // The question the visitor asked last starts the message.
        message.value ||= [...core.conversation.messages].reverse().find((m) => m.role === "user")?.text ?? "";
        (form.querySelector("input") ?? message).focus();
      }
      shown = state === "open";
      form.hidden = !shown;
      thanks.hidden = state !== "sent";
    },
  };
}

/** The question box with Send, and Stop in Send's place while an answer streams (the server stops the model). */
function questionForm(core: ConversationCore, bot: PublicFace, t: Strings) {
  const input = h("textarea", { id: "pw-input", rows: 1, maxLength: MAX_QUESTION, placeholder: t.placeholder, autocomplete: "off" });
  const send = h("button", { type: "submit", className: "pw-send", textContent: t.send });
  const stop = h("button", { type: "button", className: "pw-send", textContent: t.stop, hidden: true });
  stop.setAttribute("aria-label", t.stopLabel);
  stop.addEventListener("click", () => core.stop());
  const form = h("form", { className: "pw-form" }, h("label", { htmlFor: "pw-input", className: "pw-sr", textContent: t.ask(bot.name) }), input, send, stop);
  const resize = () => {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (send.disabled || !core.ask(input.value)) return;
    input.value = "";
    resize();
  });
  input.addEventListener("input", resize);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  return { form, input, send, stop };
}

/** The messages in `log`: each drawn once and redrawn as it changes; a streaming answer at most once a frame. */
function messageLog(log: HTMLElement, core: ConversationCore, bot: PublicFace, t: Strings) {
  const drawn = new Map<StoredMessage, { draw(streaming?: boolean): void; buttons: HTMLButtonElement[] }>();
  let frame = 0;

  function add(message: StoredMessage, focus = false): void {
    const bubble = h("div", { className: `pw-msg pw-${message.role === "assistant" ? "bot" : message.role}` });
    log.append(bubble);
    const entry = { draw: (_streaming?: boolean) => {}, buttons: [] as HTMLButtonElement[] };
    entry.draw = (streaming = false) => {
      const who = speaker(message, bot, t);
      const text = h("div", { className: "pw-text" });
      // Only the bot's answers are Markdown: what people type (visitors, operators) is shown as text, never as HTML.
      if (message.role === "assistant") text.append(renderMarkdown(message.text));
      else text.textContent = message.text;
      const parts: (HTMLElement | undefined)[] = [who, text];
      if (streaming && !message.text) text.append(h("span", { className: "pw-typing", textContent: "…" }));
      if (message.stopped) parts.push(h("p", { className: "pw-error", textContent: t.stopped }));
      else if (message.failed) parts.push(h("p", { className: "pw-error", textContent: t.failed }));
      if (!streaming && message.role === "assistant") {
        entry.buttons = ratingButtons(message, core, t);
        parts.push(renderSources(message.sources ?? [], t), entry.buttons.length ? h("div", { className: "pw-rating" }, ...entry.buttons) : undefined);
      }
      bubble.replaceChildren(...parts.filter((p): p is HTMLElement => !!p));
      bubble.setAttribute("aria-busy", String(streaming));
      if (focus || log.scrollHeight - log.scrollTop - log.clientHeight < 120) log.scrollTop = log.scrollHeight;
    };
    entry.draw();
    drawn.set(message, entry);
  }

  function all(): void {
    cancelAnimationFrame(frame);
    log.replaceChildren();
    drawn.clear();
    if (bot.greeting) add({ role: "assistant", text: bot.greeting });
    for (const message of core.conversation.messages) add(message);
    log.scrollTop = log.scrollHeight;
  }

  function apply(change: Exclude<Change, { type: "status" | "withdrawn" | "handoff" }>): void {
    if (change.type === "reset") return all();
    if (change.type === "added") return add(change.message, true);
    const entry = drawn.get(change.message);
    if (!entry) return;
    // Pressed state in place: redrawing the buttons would take the focus from the one just pressed.
    if (change.type === "rated") return entry.buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.rating === change.message.rating)));
    cancelAnimationFrame(frame);
    if (change.streaming) frame = requestAnimationFrame(() => entry.draw(true));
    else entry.draw(false);
  }

  return { all, apply };
}

/** Who said it: an operator's name shows; the bot's and the visitor's are read out only. */
function speaker(message: StoredMessage, bot: PublicFace, t: Strings): HTMLElement | undefined {
  if (message.role === "operator") return h("span", { className: "pw-author", textContent: message.author ?? "" });
  if (message.role === "notice") return undefined;
  return h("span", { className: "pw-sr", textContent: message.role === "user" ? t.you : `${bot.name}: ` });
}

function ratingButtons(message: StoredMessage, core: ConversationCore, t: Strings): HTMLButtonElement[] {
  if (!message.id) return [];
  return (["UP", "DOWN"] as const).map((rating) => {
    const button = h("button", { type: "button", className: "pw-rate" }, icon(THUMB, 16, rating === "UP" ? 0 : 180));
    button.dataset.rating = rating;
    button.setAttribute("aria-label", rating === "UP" ? t.helpful : t.notHelpful);
    button.setAttribute("aria-pressed", String(message.rating === rating));
    button.addEventListener("click", () => core.rate(message, rating));
    return button;
  });
}

function renderSources(sources: CitedSource[], t: Strings): HTMLElement | undefined {
  if (!sources.length) return undefined;
  const list = h("ul");
  for (const source of sources) {
    const label = source.page ? `${source.name} (${t.page(source.page)})` : source.name;
    const url = source.url && safeUrl(source.url);
    list.append(h("li", {}, url ? link(url, label) : label));
  }
  return h("div", { className: "pw-sources" }, h("p", { textContent: t.sources }), list);
}
