/**
 * GraphiQL in a real browser (Debian's Chromium) with every address but the
 * server's refused, as on a machine with no internet: it loads from the
 * server's own assets, runs a query, and streams a subscription with an API
 * key from its headers tab.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { launchChromium } from "./helpers/browser.js";
import { gqlRaw } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

let t: TestApp;
let browser: Browser;
let admin: Account;
let botId: string;
let apiKey: string;

async function call(query: string, variables: Record<string, unknown>) {
  const result = await gqlRaw(t.url, query, variables, admin.headers);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

beforeAll(async () => {
  t = await startApp();
  admin = await signUp(t.url);
  botId = await createBot(t.url, admin, "Opening hours");
  const text = "The shop opens at nine on Saturdays and at eight on weekdays. It is closed on Sundays.";
  const added = await call(`mutation($b: ID!, $t: String!) { addTextSource(botId: $b, title: "Hours", text: $t) { id } }`, { b: botId, t: text });
  await waitForSource(t, added.addTextSource.id);
  await call(`mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId });
  apiKey = (await call(`mutation($b: ID!) { createApiKey(botId: $b, name: "graphiql") { secret } }`, { b: botId })).createApiKey.secret;
  browser = await launchChromium();
});

afterAll(async () => {
  await t?.stop();
});

/** GraphiQL at /graphql, with requests anywhere but the server refused and counted. */
async function openGraphiQL(): Promise<{ page: Page; refused: string[] }> {
  const page = await browser.newPage();
  const refused: string[] = [];
  const origin = new URL(t.url).origin;
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin || url.protocol === "blob:" || url.protocol === "data:") return route.continue();
    refused.push(url.href);
    return route.abort("internetdisconnected");
  });
  await page.goto(`${t.url}/graphql`);
  await page.locator(".graphiql-query-editor .monaco-editor").waitFor({ timeout: 30_000 });
  return { page, refused };
}

/** One GraphiQL page for both tests: Monaco and GraphiQL are megabytes of script, loaded once. */
let opened: Promise<{ page: Page; refused: string[] }> | undefined;
const graphiql = () => (opened ??= openGraphiQL());

const QUERY = ".graphiql-query-editor .monaco-editor";
const HEADERS = '.monaco-editor[data-uri$="headers.json"]';

/** Replaces a Monaco editor's text as typing would (insertText: no auto-closed brackets). */
async function setEditor(page: Page, editor: string, text: string) {
  // On a loaded machine the keys can reach Monaco before it has focus (then
  // Ctrl+A selects nothing and the text lands beside the old one): check
  // what the editor holds, and type again if it is not exactly the text.
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.locator(editor).click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText(text);
    const shown = (await page.locator(`${editor} .view-lines`).innerText()).replace(/\u00a0/g, " ").trim();
    if (shown === text) return;
  }
  throw new Error(`the editor ${editor} would not take the text`);
}

/**
 * Runs the operation until the response pane shows `expected`. A click that
 * lands while GraphiQL is still busy (fetching the schema on a loaded
 * machine) can go unheard; then it is pressed again. Fails with what the
 * pane showed.
 */
async function runUntil(page: Page, expected: string) {
  let shown = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.locator(".graphiql-execute-button").click();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      shown = await responseText(page);
      if (shown.includes(expected)) return;
      await page.waitForTimeout(200);
    }
  }
  throw new Error(`GraphiQL never showed ${expected}; its response pane said: ${shown || "(nothing)"}`);
}

/** The response pane's text (Monaco draws spaces as no-break spaces). */
async function responseText(page: Page): Promise<string> {
  return (await page.locator(".graphiql-response").innerText()).replace(/\u00a0/g, " ");
}

describe("GraphiQL", () => {
  it("loads with no internet and runs a query", async () => {
    const { page, refused } = await graphiql();
    expect(await page.title()).toBe("Parley GraphQL");
    await setEditor(page, QUERY, `query { health { status database { kind ok } } }`);
    await runUntil(page, '"kind": "pglite"');
    const text = await responseText(page);
    expect(text).toContain('"status": "OK"');
    expect(text).toContain('"ok": true');
    expect(refused).toEqual([]);
  });

  it("streams a subscription with the API key from its headers tab", async () => {
    const { page, refused } = await graphiql();
    await page.getByRole("button", { name: "Headers" }).click();
    await setEditor(page, HEADERS, JSON.stringify({ "X-API-Key": apiKey }));
    await setEditor(
      page,
      QUERY,
      `subscription { chat(botId: "${botId}", message: "When does the shop open on Saturdays?") { __typename ... on ChatCompleted { sessionId message { content } sources { name } } } }`,
    );
    await runUntil(page, '"__typename": "ChatCompleted"');
    const text = await responseText(page);
    expect(text).toMatch(/nine/);
    expect(text).toContain('"name": "Hours"');
    expect(refused).toEqual([]);
  });
});
