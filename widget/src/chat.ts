import { createConversation } from "./conversation.js";
import { openConnection, type ConnectionState } from "./connection.js";
import { stringsFor } from "./i18n.js";
import { hostStore, localStore } from "./store.js";
import type { FrameMessage, PageConfig } from "./types.js";
import { createChatView, h } from "./view.js";

function postToHost(message: FrameMessage): void {
  if (window.parent !== window) window.parent.postMessage(message, "*");
}

/**
 * The full-page chat inside the widget's iframe (or opened on its own): the
 * conversation core over one graphql-ws connection, its view, and the
 * launcher's messages (open, close).
 */
export async function startChat(config: PageConfig): Promise<void> {
  const { bot } = config;
  const t = stringsFor(bot.language);
  if (bot.primaryColor) document.documentElement.style.setProperty("--pw-accent", bot.primaryColor);
  const store = config.embedded ? hostStore() : localStore(config.botId);
  const conversation = await store.load();
  const url = new URL(config.endpoint, location.href).href.replace(/^http/, "ws");
  const connection: { onState?: (state: ConnectionState, reason?: string) => void } = {};
  const client = openConnection(url, config.apiKey, (state, reason) => connection.onState?.(state, reason));
  const core = createConversation({
    port: client,
    store,
    botId: config.botId,
    conversation,
    strings: t,
    ...(bot.handoffWaitSeconds && { handoffWaitSeconds: bot.handoffWaitSeconds }),
  });
  connection.onState = core.connectionChanged;
  const view = createChatView(document.getElementById("parley") ?? document.body, core, bot, t);
  core.listen(view.apply);
  if (config.embedded) {
    const close = h("button", { type: "button", className: "pw-icon pw-close", textContent: "×" });
    close.setAttribute("aria-label", t.close);
    close.addEventListener("click", () => postToHost({ type: "parley:close" }));
    view.head.append(close);
  }
  addEventListener("keydown", (event) => {
    if (event.key === "Escape" && config.embedded) postToHost({ type: "parley:close" });
  });
  addEventListener("message", (event: MessageEvent<FrameMessage>) => {
    if (event.source === window.parent && event.data?.type === "parley:open") view.input.focus();
  });
}
