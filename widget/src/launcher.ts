import { stringsFor } from "./i18n.js";
import { CHAT, icon } from "./icons.js";
import { localStore, parseConversation } from "./store.js";
import type { FrameMessage, PublicFace } from "./types.js";

const PUBLIC_BOT = `{ publicBot { name title greeting primaryColor position language } }`;

/** Styles go through the CSSOM (element.style): host pages' CSP may forbid style elements, never this. */
function styled<K extends keyof HTMLElementTagNameMap>(tag: K, style: Partial<CSSStyleDeclaration>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  Object.assign(element.style, style);
  return element;
}

async function publicFace(origin: string, apiKey: string): Promise<PublicFace> {
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    body: JSON.stringify({ query: PUBLIC_BOT }),
  });
  const body = (await response.json()) as { data?: { publicBot?: PublicFace }; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.data?.publicBot) return body.data.publicBot;
  const error = body.errors?.[0];
  // A refused key or site shows no launcher; anything else (a busy minute) shows it plainly.
  if (error?.extensions?.code === "UNAUTHENTICATED" || error?.extensions?.code === "FORBIDDEN") throw new Error(error.message);
  return { name: "us", title: "Chat", greeting: null, primaryColor: null, position: "right", language: "en" };
}

/**
 * The launcher on a host page: a round button in a corner that opens the
 * chat in an iframe served by Parley. Answers render only inside that
 * iframe, on Parley's origin, so nothing a bot says touches the host page.
 */
export async function startLauncher(script: HTMLScriptElement | null): Promise<void> {
  const tag = script ?? document.querySelector<HTMLScriptElement>("script[data-bot-id][src*='widget.js']");
  const botId = tag?.dataset.botId;
  const apiKey = tag?.dataset.apiKey;
  if (!tag || !botId || !apiKey) return console.warn("Parley widget: the script tag needs data-bot-id and data-api-key.");
  const origin = new URL(tag.src, location.href).origin;

  let face: PublicFace;
  try {
    face = await publicFace(origin, apiKey);
  } catch (error) {
    // Visitors see nothing; the site's owner finds the reason in the console.
    return console.warn(`Parley widget: not shown on ${location.hostname}. ${(error as Error).message}`);
  }
  if (document.readyState === "loading") await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));

  const accent = face.primaryColor ?? "#1a73e8";
  const side = face.position === "left" ? "left" : "right";
  const narrow = matchMedia("(max-width: 480px)");
  const button = styled("button", {
    position: "fixed",
    bottom: "20px",
    [side]: "20px",
    width: "56px",
    height: "56px",
    borderRadius: "50%",
    border: "0",
    background: accent,
    color: "#fff",
    boxShadow: "0 4px 14px rgba(0,0,0,.25)",
    cursor: "pointer",
    zIndex: "2147483000",
    display: "flex",
    alignItems: "center",
    justifyContent: "center",
    padding: "0",
  });
  button.type = "button";
  const t = stringsFor(face.language);
  button.setAttribute("aria-label", t.chatWith(face.name));
  button.setAttribute("aria-expanded", "false");
  button.dataset.parleyLauncher = botId;
  button.append(icon(CHAT, 28));

  // The chat iframe's conversation, kept in this (the host) page's storage: the iframe may have none.
  const saved = localStore(botId);
  let frame: HTMLIFrameElement | undefined;
  const place = (element: HTMLIFrameElement) => {
    Object.assign(
      element.style,
      narrow.matches
        ? { inset: "0", width: "100%", height: "100%", borderRadius: "0", bottom: "0", [side]: "0" }
        : {
            inset: "auto",
            bottom: "88px",
            [side]: "20px",
            width: "min(380px, calc(100vw - 40px))",
            height: "min(600px, calc(100vh - 120px))",
            borderRadius: "12px",
          },
    );
  };

  const open = () => {
    if (!frame) {
      frame = styled("iframe", { position: "fixed", border: "0", background: "#fff", boxShadow: "0 8px 30px rgba(0,0,0,.25)", zIndex: "2147483001" });
      frame.id = `parley-chat-${botId}`;
      frame.title = t.chatWith(face.name);
      // The widget page checks which site embeds it; keep that working under a strict referrer policy.
      frame.referrerPolicy = "origin";
      frame.allow = "clipboard-write";
      frame.src = `${origin}/widget/${encodeURIComponent(botId)}?api_key=${encodeURIComponent(apiKey)}&embed=launcher`;
      frame.addEventListener("load", () => post({ type: "parley:open" }));
      button.setAttribute("aria-controls", frame.id);
      document.body.append(frame);
    } else {
      frame.style.display = "block";
      post({ type: "parley:open" });
    }
    place(frame);
    if (narrow.matches) button.style.display = "none";
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  };
  const close = () => {
    if (!frame) return;
    frame.style.display = "none";
    button.style.display = "flex";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  };
  const post = (message: FrameMessage) => frame?.contentWindow?.postMessage(message, origin);

  button.addEventListener("click", () => (button.getAttribute("aria-expanded") === "true" ? close() : open()));
  addEventListener("message", (event: MessageEvent<FrameMessage>) => {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
    const message = event.data;
    if (message?.type === "parley:close") close();
    else if (message?.type === "parley:ready") void saved.load().then((conversation) => post({ type: "parley:restore", conversation }));
    else if (message?.type === "parley:save") saved.save(parseConversation(message.conversation));
  });
  narrow.addEventListener("change", () => frame && frame.style.display !== "none" && place(frame));
  document.body.append(button);
}
