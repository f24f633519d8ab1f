/**
 * The website widget in a real browser (Debian's Chromium, driven by
 * playwright-core). A shop's page on one origin embeds the widget served by
 * Parley from another; pages on a third origin are not allowed.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, BrowserContext, FrameLocator, Page } from "playwright-core";
import { buildApp, type App } from "../src/app.js";
import { signUp, type Account } from "./helpers/admin.js";
import { freePort, startApp, type TestApp } from "./helpers/app.js";
import { launchChromium } from "./helpers/browser.js";
import { startFakeOllama, type FakeOllama } from "./helpers/fake-ollama.js";
import { gqlRaw } from "./helpers/graphql.js";
import { serveSite } from "./helpers/site.js";
import { waitForSource } from "./helpers/sources.js";

const ARTIFACTS = path.join(import.meta.dirname, "artifacts");
const KEY_LIMIT = 40;
const XSS = `<img src=x onerror="window.__pwned = 1; parent.__pwned = 1">`;

let t: TestApp;
let restarted: App | undefined;
let ollama: FakeOllama;
let admin: Account;
let browser: Browser;
let site: { origin: string };
let botId: string;
let apiKey: string;
let docsUrl: string;

let parleyPort: number;
const parley = () => `http://parley.test:${parleyPort}`;
const at = (host: string, pathname = "/") => `${site.origin.replace("127.0.0.1", host)}${pathname}`;

async function admin_(query: string, variables: Record<string, unknown>) {
  const result = await gqlRaw(t.url, query, variables, admin.headers);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

beforeAll(async () => {
  ollama = await startFakeOllama();
  site = await serveSite({
    // The shop embeds the launcher with its script tag, as the embed code says.
    "/": () => ({
      body: `<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title><h1>Garden Shop</h1><script src="${parley()}/widget.js" data-bot-id="${botId}" data-api-key="${apiKey}" async></script>`,
    }),
    // The iframe snippet on its own.
    "/frame": () => ({
      body: `<!doctype html><title>Frame</title><iframe src="${parley()}/widget/${botId}?api_key=${apiKey}" title="Chat" referrerpolicy="origin" style="width:400px;height:500px"></iframe>`,
    }),
    "/docs/returns": `<!doctype html><title>Returns policy</title><main><h1>Returns</h1><p>Returns are accepted within 30 days of delivery, with the receipt. Refunds reach your card within five working days.</p></main>`,
  });
  // Parley is reached as parley.test: its public address, so its own widget page's requests are its own.
  parleyPort = await freePort();
  t = await startApp({
    PORT: String(parleyPort),
    PUBLIC_URL: parley(),
    OLLAMA_BASE_URL: ollama.url,
    ALLOW_PRIVATE_URLS: "true",
    CHAT_TIMEOUT_MS: "10000",
    RATE_LIMIT_PER_KEY_PER_MINUTE: String(KEY_LIMIT),
  });
  admin = await signUp(t.url);
  const bot = await admin_(`mutation($w: ID!) { createBot(input: { workspaceId: $w, name: "Garden helper" }) { id } }`, { w: admin.workspaceId });
  botId = bot.createBot.id;
  await admin_(`mutation($b: ID!, $i: UpdateBotInput!) { updateBot(id: $b, input: $i) { id } }`, {
    b: botId,
    i: { allowedDomains: ["shop.test"], settings: { greeting: "Hello! Ask me about orders and returns.", widgetTheme: { primaryColor: "#0b7a3e" } } },
  });
  await admin_(`mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId });
  apiKey = (await admin_(`mutation($b: ID!) { createApiKey(botId: $b, name: "shop") { secret } }`, { b: botId })).createApiKey.secret;
  docsUrl = `${site.origin}/docs/returns`;
  const source = await admin_(`mutation($b: ID!, $u: String!) { addLinkSource(botId: $b, link: { url: $u }) { id } }`, { b: botId, u: docsUrl });
  expect((await waitForSource(t, source.addLinkSource.id)).syncStatus).toBe("SYNCED");
  browser = await launchChromium(["shop.test", "evil.test", "parley.test"]);
  await mkdir(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await restarted?.stop();
});

async function openWidget(context: BrowserContext): Promise<{ page: Page; chat: FrameLocator }> {
  const page = await context.newPage();
  await page.goto(at("shop.test"));
  const launcher = page.locator("[data-parley-launcher]");
  await launcher.click();
  await expect(launcher.getAttribute("aria-expanded")).resolves.toBe("true");
  const chat = page.frameLocator('iframe[id^="parley-chat-"]');
  await chat.getByText("Hello! Ask me about orders and returns.").waitFor();
  return { page, chat };
}

async function ask(chat: FrameLocator, question: string): Promise<void> {
  await chat.getByLabel("Ask Garden helper a question").fill(question);
  await chat.getByLabel("Ask Garden helper a question").press("Enter");
}

const answers = (chat: FrameLocator) => chat.locator(".pw-bot");

describe("the widget in Chromium", () => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  });

  it("streams an answer on a host page, with its source link, and renders Markdown as markup only", async () => {
    const { page, chat } = await openWidget(context);
    // The bot's theme colour, on the launcher and in the chat.
    expect(await page.locator("[data-parley-launcher]").evaluate((e) => getComputedStyle(e).backgroundColor)).toBe("rgb(11, 122, 62)");
    expect(await chat.locator(".pw-head").evaluate((e) => getComputedStyle(e).backgroundColor)).toBe("rgb(11, 122, 62)");
    ollama.scriptChat({ tokens: ["Returns ", "are ", "accepted ", "within ", "**30 days**", " of delivery."], holdAfter: 3 });
    await ask(chat, "Within how many days are returns accepted?");

    // Three tokens are out and the model holds the rest: they are on screen already.
    const answer = answers(chat).last();
    await expect(answer.locator(".pw-text").filter({ hasText: "Returns are accepted" }).waitFor()).resolves.toBeUndefined();
    expect(await answer.getAttribute("aria-busy")).toBe("true");
    expect(await answer.textContent()).not.toContain("30 days");
    ollama.release();

    await answer.locator(".pw-sources a").waitFor();
    expect(await answer.getAttribute("aria-busy")).toBe("false");
    expect(await answer.locator(".pw-text").textContent()).toBe("Returns are accepted within 30 days of delivery.");
    expect(await answer.locator(".pw-text strong").textContent()).toBe("30 days");
    const source = answer.locator(".pw-sources a");
    expect(await source.textContent()).toBe("Returns policy");
    expect(await source.getAttribute("href")).toBe(docsUrl);
    expect(await source.getAttribute("rel")).toContain("noreferrer");
    expect(await chat.locator(".pw-log").getAttribute("aria-live")).toBe("polite");

    // Thumbs up reaches the stored message.
    await answer.getByRole("button", { name: "Helpful", exact: true }).click();
    expect(await answer.getByRole("button", { name: "Helpful", exact: true }).getAttribute("aria-pressed")).toBe("true");
    for (let i = 0; ; i++) {
      const rated = await t.app.services.db.prisma.message.findFirst({ where: { role: "ASSISTANT", feedback: "UP" } });
      if (rated) break;
      if (i > 100) throw new Error("the rating never arrived");
      await page.waitForTimeout(50);
    }

    await page.screenshot({ path: path.join(ARTIFACTS, "widget.png") });
  });

  it("keeps the conversation across a reload and continues the same session", async () => {
    const { page, chat } = await openWidget(context);
    expect(await chat.locator(".pw-user .pw-text").allTextContents()).toEqual(["Within how many days are returns accepted?"]);
    expect(await answers(chat).last().locator(".pw-text").textContent()).toBe("Returns are accepted within 30 days of delivery.");

    ollama.scriptChat({ tokens: ["Five ", "working ", "days."] });
    const before = ollama.requests.length;
    await ask(chat, "And when does the refund arrive?");
    await answers(chat).last().getByRole("button", { name: "Helpful", exact: true }).waitFor();
    // The model saw the first turn: the stored session id was sent and continued.
    const request = ollama.requests.slice(before).find((r) => r.path === "/api/chat")!;
    expect(JSON.stringify(request.body.messages)).toContain("Within how many days are returns accepted?");
    expect(await t.app.services.db.prisma.chatSession.count({ where: { botId } })).toBe(1);
    await page.close();
  });

  it("shows HTML in an answer as text: nothing in it runs", async () => {
    const { page, chat } = await openWidget(context);
    ollama.scriptChat({ tokens: ["Look: ", XSS, " and [a link](javascript:alert(1))."] });
    await ask(chat, "How are returns accepted?");
    const answer = answers(chat).last();
    await answer.getByRole("button", { name: "Helpful", exact: true }).waitFor();
    expect(await answer.locator(".pw-text").textContent()).toBe(`Look: ${XSS} and [a link](javascript:alert(1)).`);
    expect(await answer.locator(".pw-text img").count()).toBe(0);
    expect(await answer.locator(".pw-text a").count()).toBe(0);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    const frame = page.frames().find((f) => f.url().startsWith(`${parley()}/widget/`))!;
    expect(await frame.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });

  it("fits a phone screen and works from the keyboard", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const { page, chat } = await openWidget(phone);
    const frame = page.locator('iframe[id^="parley-chat-"]');
    expect(await frame.boundingBox()).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    expect(await page.locator("[data-parley-launcher]").isVisible()).toBe(false);
    // Focus sits in the question box; Escape closes the panel and gives focus back to the launcher.
    await chat.getByLabel("Ask Garden helper a question").press("Escape");
    await frame.waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Chat with Garden helper");
    await page.keyboard.press("Enter");
    await frame.waitFor();
    await chat.getByRole("button", { name: "Close chat" }).click();
    await frame.waitFor({ state: "hidden" });
    await phone.close();
  });

  it("stops an answer on request: the model's request is closed and what arrived is kept", async () => {
    const { page, chat } = await openWidget(context);
    ollama.scriptChat({ tokens: ["Let ", "me ", "explain ", "at ", "length."], holdAfter: 2 });
    const aborted = ollama.abortedChats;
    await ask(chat, "When are returns accepted?");
    const answer = answers(chat).last();
    await answer.locator(".pw-text").filter({ hasText: "Let me" }).waitFor();
    await chat.getByRole("button", { name: "Stop the answer" }).click();
    await answer.getByText("Stopped.").waitFor();
    expect(await answer.locator(".pw-text").textContent()).toMatch(/^Let me\s*$/);
    await chat.getByRole("button", { name: "Send" }).waitFor();
    for (let i = 0; ollama.abortedChats === aborted; i++) {
      if (i > 100) throw new Error("the model's request was never closed");
      await page.waitForTimeout(50);
    }
    ollama.release();
    // The server keeps the unfinished answer, marked cancelled (written as the stream closes).
    for (let i = 0; ; i++) {
      const stored = await t.app.services.db.prisma.message.findFirst({ where: { role: "ASSISTANT", errorCode: "CANCELLED" } });
      if (stored) {
        expect(stored.content).toBe("Let me ");
        break;
      }
      if (i > 100) throw new Error("the cancelled answer was not kept");
      await page.waitForTimeout(50);
    }
    await page.close();
  });

  it("says plainly when the visitor is over the rate limit, and keeps the question", async () => {
    const { page, chat } = await openWidget(context);
    // Use up the key's minute from a script.
    for (let i = 0; i < KEY_LIMIT; i++) {
      const result = await gqlRaw(t.url, `{ publicBot { id } }`, {}, { "x-api-key": apiKey });
      if (result.errors?.[0]?.extensions?.code === "RATE_LIMITED") break;
    }
    const before = await chat.locator(".pw-user").count();
    await ask(chat, "One more question?");
    const status = chat.locator(".pw-status");
    await status.filter({ hasText: /Too many questions for now\. You can ask again in \d+ s\./ }).waitFor();
    expect(await chat.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    expect(await chat.getByLabel("Ask Garden helper a question").inputValue()).toBe("One more question?");
    expect(await chat.locator(".pw-user").count()).toBe(before);
    await page.close();
  });

  it("speaks the bot's widget language", async () => {
    const german = await admin_(
      `mutation($w: ID!) { createBot(input: { workspaceId: $w, name: "Gartenhelfer", isPublic: true, settings: { widgetTheme: { language: DE } } }) { id } }`,
      { w: admin.workspaceId },
    );
    const id = german.createBot.id as string;
    await admin_(`mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: id });
    const key = (await admin_(`mutation($b: ID!) { createApiKey(botId: $b, name: "de") { secret } }`, { b: id })).createApiKey.secret as string;
    const page = await context.newPage();
    await page.goto(`${parley()}/widget/${id}?api_key=${key}`);
    await page.getByRole("button", { name: "Senden" }).waitFor();
    expect(await page.getByLabel("Frage an Gartenhelfer").getAttribute("placeholder")).toBe("Stellen Sie eine Frage…");
    expect(await page.getByRole("button", { name: "Neuer Chat" }).count()).toBe(1);
    await page.close();
  });

  it("says when it is offline, and reconnects when the server comes back", async () => {
    const { page, chat } = await openWidget(context);
    const status = chat.locator(".pw-status");
    await context.setOffline(true);
    await status.filter({ hasText: "You are offline." }).waitFor();
    await context.setOffline(false);
    await status.waitFor({ state: "hidden" });

    // The server goes away: the next question waits, and goes out once it is back on the same port.
    const { port, config } = t;
    await t.stop();
    ollama.scriptChat({ tokens: ["We ", "are ", "back."] });
    await ask(chat, "Are you there?");
    await status.filter({ hasText: "Reconnecting" }).waitFor();
    restarted = await buildApp(config);
    await restarted.start(port);
    await answers(chat).last().locator(".pw-text").filter({ hasText: "We are back." }).waitFor({ timeout: 30_000 });
    await status.waitFor({ state: "hidden" });
    await page.close();
  });
});

describe("a page on a website the bot does not allow", () => {
  it("gets no launcher, a refusal in the iframe, and a closed socket", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const warning = page.waitForEvent("console", (message) => message.type() === "warning");
    await page.goto(at("evil.test"));
    expect((await warning).text()).toMatch(/^Parley widget: not shown on evil\.test\. This website is not allowed/);
    expect(await page.locator("[data-parley-launcher]").count()).toBe(0);

    await page.goto(at("evil.test", "/frame"));
    const frame = page.frameLocator("iframe");
    await frame.getByText("This chat is not available here.").waitFor();
    expect(await frame.locator(".pw-reason").textContent()).toBe("This website (evil.test) is not one of the bot's allowed domains.");

    const closed = await page.evaluate(
      ([url, key]) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(url!, "graphql-transport-ws");
          socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init", payload: { apiKey: key } }));
          socket.onclose = (event) => resolve(event.code);
        }),
      [`ws://parley.test:${t.port}/graphql`, apiKey],
    );
    expect(closed).toBe(4403);
    await context.close();
  });
});
