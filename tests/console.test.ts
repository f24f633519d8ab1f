/**
 * The admin console in a real browser (Debian's Chromium): it is served at
 * /admin and works only through the public GraphQL API, as a website
 * owner would use it.
 */
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { createBot, invite, signUp } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { launchChromium } from "./helpers/browser.js";
import { gqlRaw } from "./helpers/graphql.js";
import { serveSite } from "./helpers/site.js";
import { uploadFile, waitForSource } from "./helpers/sources.js";

const ARTIFACTS = path.join(import.meta.dirname, "artifacts");

let t: TestApp;
let browser: Browser;
const email = `owner-${randomUUID()}@example.com`;
const password = "a long console password";

let site: { origin: string };

beforeAll(async () => {
  site = await serveSite({
    "/help/returns": `<!doctype html><title>Returns</title><main><h1>Returns</h1><p>Returns are free within 30 days.</p></main>`,
    "/help/shipping": `<!doctype html><title>Shipping</title><main><h1>Shipping</h1><p>Parcels leave the warehouse within two days.</p></main>`,
  });
  t = await startApp({ ALLOW_PRIVATE_URLS: "true", CHECKS_AFTER_SYNC_DELAY_MS: "300" });
  browser = await launchChromium();
});

afterAll(async () => {
  await t?.stop();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  // Nothing but Parley itself: the console must not need the internet.
  await page.route("**/*", (route) =>
    new URL(route.request().url()).origin === new URL(t.url).origin ? route.continue() : route.abort("internetdisconnected"),
  );
  return page;
}

/** What a page's browser console would show an owner: errors (a CSP violation among them) and failed requests. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("response", (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`));
  return problems;
}

async function fill(page: Page, label: string | RegExp, value: string) {
  await page.getByLabel(label).fill(value);
}

async function logInForm(page: Page) {
  await fill(page, "Email", email);
  await fill(page, "Password", password);
  await page.getByRole("button", { name: "Log in" }).click();
}

const token = (page: Page) => page.evaluate(() => localStorage.getItem("parley.console.session"));

describe("the admin console", () => {
  it("sends / to the console, which serves its own assets with a strict CSP", async () => {
    const root = await fetch(t.url, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe(`${t.url}/admin`);
    const deep = await fetch(`${t.url}/admin/bots/anything`);
    expect(deep.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await deep.text()).toContain('<div id="root">');
    const script = await fetch(`${t.url}/admin/assets/app.js`);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect((await fetch(`${t.url}/admin/assets/app.js`, { headers: { "if-none-match": script.headers.get("etag")! } })).status).toBe(304);
    expect((await fetch(`${t.url}/admin/assets/missing.js`)).status).toBe(404);
  });

  it("signs a new owner up, creates bots, searches them, logs out and in again, with nothing in the browser's console", async () => {
    const page = await newPage();
    const problems = watchProblems(page);
    await page.goto(t.url);
    await page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
    await page.getByRole("link", { name: "Create an account" }).click();
    await fill(page, "Email", email);
    await fill(page, "Your name", "Olive Owner");
    await fill(page, /^Password/, "password123");
    await fill(page, /Your business/, "Garden Shop");
    await page.getByRole("button", { name: "Create account" }).click();
    // The API names the field: its reason is said at the password, not under the form.
    await page.locator('input[type="password"][aria-invalid="true"]').waitFor();
    const reason = await page.getByLabel(/^Password/).getAttribute("aria-describedby");
    expect(await page.locator(`[id="${reason!.split(" ").at(-1)}"]`).innerText()).toMatch(/guess/i);
    expect(await page.getByRole("alert").count()).toBe(0);
    await fill(page, /^Password/, password);
    await page.getByRole("button", { name: "Create account" }).click();

    await page.getByRole("heading", { name: "Bots" }).waitFor();
    await page.getByText("No bots yet", { exact: false }).waitFor();
    expect(await page.getByRole("button", { name: /Workspace/ }).textContent()).toContain("Garden Shop"); // the workspace switcher

    for (const [name, description] of [
      ["Garden helper", "Answers about plants and orders"],
      ["Returns desk", "Refunds and exchanges"],
    ]) {
      await page.getByRole("button", { name: "New bot" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Name").fill(name!);
      await dialog.getByLabel(/Description/).fill(description!);
      await dialog.getByRole("button", { name: "Create bot" }).click();
      // A new bot opens at once.
      await page.getByRole("heading", { name: new RegExp(name!), level: 1 }).waitFor();
      await page.getByRole("link", { name: "← Bots" }).click();
      await page.getByRole("rowheader", { name: new RegExp(name!) }).waitFor();
    }
    expect(await page.getByRole("row").count()).toBe(3); // header + 2
    await page.getByText("2 bots").waitFor();
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "console-bots.png") });

    await page.getByRole("searchbox", { name: "Search bots" }).fill("REFUND");
    await page.getByText("1 bot", { exact: true }).waitFor();
    expect(await page.getByRole("rowheader").allInnerTexts()).toEqual([expect.stringContaining("Returns desk")]);
    await page.getByRole("searchbox", { name: "Search bots" }).fill("cactus");
    await page.getByText("No bot matches “cactus”.").waitFor();

    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
    expect(await token(page)).toBeNull();
    await fill(page, "Email", email);
    await fill(page, "Password", "not the password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText("Wrong email or password.").waitFor();
    await logInForm(page);
    await page.getByText("2 bots").waitFor();
    // A bot's page, as a new owner opens it next.
    await page.getByRole("link", { name: "Garden helper" }).click();
    await page.getByRole("tab", { name: "Sources" }).waitFor();
    await page.waitForLoadState("networkidle");
    // No CSP violation (React Aria's <style> carries the page's nonce), no 404 (the icon is served).
    expect(problems).toEqual([]);

    // Every screen has an address: the tab and the list's filter are in it, for a reload, Back, and a link sent on.
    await page.getByRole("tab", { name: "Conversations" }).click();
    await page.getByRole("radio", { name: "Unanswered" }).click();
    await page.waitForURL(/\/bots\/[^/]+\/conversations\?show=UNANSWERED$/);
    const address = page.url();
    await page.reload();
    expect(await page.getByRole("tab", { name: "Conversations" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.getByRole("radio", { name: "Unanswered" }).isChecked()).toBe(true);
    await page.goBack();
    await page.waitForURL(/\/conversations$/);
    expect(await page.getByRole("radio", { name: "All" }).isChecked()).toBe(true);
    // A link opened while logged out comes back after the log-in page.
    await page.getByRole("button", { name: "Log out" }).click();
    // The log-out is a request: navigating before it ends would abort it and keep the session.
    await page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
    await page.goto(address);
    await page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
    await logInForm(page);
    await page.waitForURL(address);
    expect(await page.getByRole("tab", { name: "Conversations" }).getAttribute("aria-selected")).toBe("true");
    await page.close();
  });

  it("asks to log in again when the session ends elsewhere, keeping what was typed", async () => {
    const page = await newPage();
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Returns desk" }).click();
    await page.getByRole("tab", { name: "Settings" }).click();
    const greeting = page.getByRole("textbox", { name: "Greeting" });
    await greeting.fill("Welcome back! Typed before the session ended.");
    // The session is ended from another client: the page's live stream ends with it, and the console asks at once.
    const ended = await gqlRaw(t.url, "mutation { logOut }", {}, { authorization: `Bearer ${await token(page)}` });
    expect(ended.errors).toBeUndefined();
    const dialog = page.getByRole("alertdialog", { name: "Your session has ended" });
    await dialog.waitFor();
    expect(await dialog.getByRole("textbox", { name: "Email" }).inputValue()).toBe(email);
    await dialog.getByLabel("Password").fill("not the password");
    await dialog.getByRole("button", { name: "Log in" }).click();
    await dialog.getByText("Wrong email or password.").waitFor();
    await dialog.getByLabel("Password").fill(password);
    await dialog.getByRole("button", { name: "Log in" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await greeting.inputValue()).toBe("Welcome back! Typed before the session ended.");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();

    // An action refused because the session ended waits for the log-in, then is done: no stale error, no second press.
    await page.getByRole("link", { name: "← Bots" }).click();
    await page.getByRole("button", { name: "New bot" }).click();
    await gqlRaw(t.url, "mutation { logOut }", {}, { authorization: `Bearer ${await token(page)}` });
    const creation = page.getByRole("dialog", { name: "New bot" });
    await creation.getByLabel("Name").fill("Made after the session ended");
    await creation.getByRole("button", { name: "Create bot" }).click();
    await dialog.getByLabel("Password").fill(password);
    await dialog.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: /Made after the session ended/, level: 1 }).waitFor();
    expect(await page.getByText("session token", { exact: false }).count()).toBe(0);
    // A bot with nothing to answer from is not activated without a word.
    await page.getByRole("button", { name: "Activate" }).click();
    await page
      .getByRole("alertdialog", { name: /nothing to answer from/ })
      .getByRole("button", { name: "Cancel" })
      .click();
    await page.getByRole("heading", { name: /draft/ }).waitFor();

    // Someone else at this browser leaves rather than logging in.
    await gqlRaw(t.url, "mutation { logOut }", {}, { authorization: `Bearer ${await token(page)}` });
    await dialog.getByRole("button", { name: "Log out instead" }).click();
    await page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
    await page.close();
  });

  it("shows a member everything read-only, without edit controls", async () => {
    const owner = await gqlRaw(t.url, `mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { session { token } } }`, { e: email, p: password });
    const ownerHeaders = { authorization: `Bearer ${owner.data!.logIn.session.token}` };
    const me = await gqlRaw(t.url, "{ me { memberships { workspace { id } } } }", {}, ownerHeaders);
    const member = await signUp(t.url, "Member's own");
    await invite(t.url, { workspaceId: me.data!.me.memberships[0].workspace.id, headers: ownerHeaders }, member, "MEMBER");

    const page = await newPage();
    await page.goto(`${t.url}/admin`);
    await page.evaluate((value) => localStorage.setItem("parley.console.session", value), member.token);
    await page.reload();
    await page.getByRole("heading", { name: "Bots" }).waitFor();
    // Their own workspace first: they own it, and may create bots there.
    await page.getByRole("button", { name: "New bot" }).waitFor();
    await page.getByRole("button", { name: /Workspace/ }).click();
    await page.getByRole("option", { name: "Garden Shop" }).click();
    await page.getByText("3 bots").waitFor();
    expect(await page.getByRole("button", { name: "New bot" }).count()).toBe(0);
    await page.close();
  });

  it("follows a bot's sources live: uploads with progress, errors in words, text; then its lifecycle to deletion", async () => {
    const page = await newPage();
    // Time runs as usual, but the toast's five seconds below can be skipped rather than waited for.
    await page.clock.install();
    const frames: string[] = [];
    page.on("websocket", (ws) => ws.on("framereceived", (frame) => frames.push(String(frame.payload))));
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Garden helper" }).click();
    await page.getByRole("heading", { name: /Garden helper/ }).waitFor();
    await page.getByText("No sources yet", { exact: false }).waitFor();

    await page.locator('input[type="file"]').setInputFiles([
      { name: "returns.md", mimeType: "text/markdown", buffer: Buffer.from("# Returns\n\nReturns are accepted within 30 days of delivery, with the receipt.") },
      { name: "broken.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.7 this is not really a PDF") },
      { name: "photo.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
    ]);
    const uploads = page.getByRole("list", { name: "Uploads" });
    await uploads.getByText("uploaded", { exact: true }).nth(1).waitFor();
    // A refused file says so in words, with no progress bar; the uploaded ones' rows go once their files are listed below.
    await uploads.getByText("was not uploaded").waitFor();
    expect(await uploads.getByRole("progressbar").count()).toBe(2);
    await uploads.getByRole("progressbar").first().waitFor({ state: "detached" });
    expect(await uploads.getByRole("progressbar").count()).toBe(0);
    await uploads.getByRole("button", { name: "Dismiss photo.png" }).click();
    await uploads.waitFor({ state: "detached" });

    // Statuses arrive over the sourceEvents subscription: no reload here.
    const row = (name: string) => page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: new RegExp(name) }) });
    await row("returns.md").getByText("synced").waitFor({ timeout: 30_000 });
    await row("broken.pdf").getByText("Failed", { exact: true }).waitFor({ timeout: 30_000 });
    expect(await row("broken.pdf").locator("p.error").innerText()).toMatch(/\w+/);

    await page.getByRole("button", { name: "Add text" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/Title/).fill("Opening hours");
    await dialog.getByLabel("Text").fill("The shop opens at nine on Saturdays.");
    await dialog.getByRole("button", { name: "Add" }).click();
    await row("Opening hours").getByText("synced").waitFor({ timeout: 30_000 });

    await page.getByRole("button", { name: "Add a link" }).click();
    await page.getByRole("dialog").getByLabel("Address").fill(`${site.origin}/help/returns`);
    await page.getByRole("dialog").getByLabel("Read it again").selectOption("daily");
    await page.getByRole("dialog").getByRole("button", { name: "Add" }).click();
    await row("/help/returns").getByText("synced").waitFor({ timeout: 30_000 });
    await row("/help/returns").getByText("link, every day").waitFor();
    await page.getByText("4 sources").waitFor();
    expect(frames.some((frame) => frame.includes('"sourceEvents"') && frame.includes('"SYNCED"'))).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, "console-bot.png") });

    const filter = page.getByRole("radiogroup", { name: "Show sources" });
    await filter.getByRole("radio", { name: "Failed" }).click();
    await page.getByText("1 source", { exact: true }).waitFor();
    expect(await page.getByRole("rowheader").allInnerTexts()).toEqual([expect.stringContaining("broken.pdf")]);
    expect(await row("broken.pdf").locator(".status").innerText()).toBe("Failed"); // the badge says what the filter says
    await filter.getByRole("radio", { name: "All" }).click();
    await page.getByText("4 sources").waitFor();

    await row("broken.pdf").getByRole("button", { name: "Delete" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await page.getByText("3 sources").waitFor();
    expect(await row("broken.pdf").count()).toBe(0);

    await page.getByRole("button", { name: "Activate" }).click();
    // Archiving is asked first: visitors lose their answers.
    await page.getByRole("button", { name: "Archive" }).click();
    await page
      .getByRole("alertdialog", { name: /Archive/ })
      .getByRole("button", { name: "Archive" })
      .click();
    await page.getByRole("heading", { name: /archived/ }).waitFor();
    // What worked is said in a toast, which goes by itself.
    const archivedToast = page.getByRole("region", { name: "Notifications" }).getByText("Bot archived", { exact: false });
    await archivedToast.waitFor();
    await page.clock.fastForward(5_000);
    await archivedToast.waitFor({ state: "detached", timeout: 10_000 });
    await page.getByRole("button", { name: "Delete bot" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete bot" }).click();
    await page.getByRole("heading", { name: "Bots" }).waitFor();
    await page.getByText("2 bots", { exact: true }).waitFor(); // Returns desk, and the one made after a session ended
    await page.close();
  });

  it("edits a bot's settings with errors shown at their field, and issues a key shown once, then revokes it", async () => {
    const page = await newPage();
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(t.url).origin });
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Returns desk" }).click();
    await page.getByRole("tab", { name: "Settings" }).click();

    const domains = page.getByRole("textbox", { name: /Allowed websites/ });
    await domains.fill("not a domain!");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    expect(await domains.getAttribute("aria-invalid")).toBe("true");
    await domains.fill("shop.example.com\n*.example.org");
    await page.getByRole("textbox", { name: "Greeting" }).fill("Hello! Ask me about returns.");
    await page.getByRole("textbox", { name: "Temperature" }).fill("0.3");
    await page.getByLabel("Language").selectOption("DE");
    // One name per choice (no "Right (default)" beside "Right"), and the colour picked, not typed.
    expect(await page.getByLabel("Position").locator("option").allInnerTexts()).toEqual(["Right", "Left"]);
    expect(await page.getByLabel("Language").locator("option").allInnerTexts()).toEqual(["English", "Deutsch", "Español", "Français", "Nederlands"]);
    await page.getByLabel("Colour").fill("#2f9e44");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();

    await page.reload();
    await page.getByRole("tab", { name: "Settings" }).click();
    expect(await page.getByRole("textbox", { name: /Allowed websites/ }).inputValue()).toBe("shop.example.com\n*.example.org");
    expect(await page.getByRole("textbox", { name: "Greeting" }).inputValue()).toBe("Hello! Ask me about returns.");
    expect(await page.getByLabel("Language").inputValue()).toBe("DE");
    expect(await page.getByLabel("Colour").inputValue()).toBe("#2f9e44");
    // Saving other settings leaves the bot on the embedder's minimum similarity.
    await page.getByText("The embedder's default.").waitFor();

    await page.getByRole("tab", { name: "API keys and embedding" }).click();
    await page.getByRole("textbox", { name: /New key for/ }).fill("shop website");
    await page.getByRole("button", { name: "Create key" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("cannot show it again", { exact: false }).waitFor();
    const secret = (await dialog.locator("pre code").first().innerText()).trim();
    expect(secret).toMatch(/^pk_/);
    await dialog.getByRole("button", { name: "Copy the api key" }).click();
    await dialog.getByRole("button", { name: "Copy the api key" }).getByText("Copied").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    expect(await dialog.locator("pre code").nth(1).innerText()).toContain(secret);
    // The script tag wraps between its attributes: the key stays on one line.
    const keyLines = await dialog
      .locator("pre code")
      .nth(1)
      .evaluate((code, key) => {
        const text = code.firstChild!;
        const range = document.createRange();
        range.setStart(text, text.textContent!.indexOf(key));
        range.setEnd(text, text.textContent!.indexOf(key) + key.length);
        return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
      }, secret);
    expect(keyLines).toBe(1);
    // Escape and a click outside do not lose the secret; Escape says how to close.
    await page.keyboard.press("Escape");
    await page.mouse.click(5, 5);
    await dialog.getByText("cannot be shown again once this closes", { exact: false }).waitFor();
    expect(await dialog.locator("pre code").first().innerText()).toContain(secret);
    await dialog.getByRole("button", { name: "I have copied it" }).click();

    const keyRow = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "shop website" }) });
    await keyRow.getByText("active").waitFor();
    expect(await keyRow.innerText()).toContain(secret.slice(0, 11));
    await keyRow.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
    await keyRow.getByText("revoked").waitFor();
    const refused = await gqlRaw(t.url, "{ publicBot { name } }", {}, { "x-api-key": secret });
    expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    await page.close();
  });

  it("keeps a bot's prompts in order, switches them, and shows a template's placeholder rules as it is typed", async () => {
    const page = await newPage();
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Returns desk" }).click();
    await page.getByRole("tab", { name: "Prompts" }).click();
    await page.getByText("No prompts yet", { exact: false }).waitFor();
    const form = page.getByRole("region", { name: "New prompt" });
    const list = page.getByRole("list", { name: "Prompts" });

    for (const [name, text] of [
      ["Tone", "Be brief and friendly."],
      ["Scope", "Only answer about returns."],
    ]) {
      await form.getByLabel(/Name/).fill(name!);
      await form.getByRole("textbox", { name: "Text" }).fill(text!);
      await form.getByRole("button", { name: "Add prompt" }).click();
      await list.getByRole("listitem", { name }).waitFor();
    }
    await page.getByRole("button", { name: "Move Scope up" }).click();
    await page.waitForFunction(
      () => [...document.querySelectorAll('[aria-label="Prompts"] > li')].map((li) => li.getAttribute("aria-label")).join() === "Scope,Tone",
    );

    await form.getByText("User template", { exact: false }).click();
    await form.getByRole("textbox", { name: "Text" }).fill("Answer {answer}");
    const rules = form.getByRole("list", { name: "Placeholders" });
    await rules.getByText("{question}: the visitor's question, required (missing)").waitFor();
    await rules.getByText("{answer}: not a placeholder Parley knows").waitFor();
    await form.getByRole("button", { name: "Add prompt" }).click();
    await form
      .getByRole("alert")
      .getByText(/unknown placeholder \{answer\}/)
      .waitFor();
    await form.getByRole("textbox", { name: "Text" }).fill("Passages:\n{context}\n\nQuestion: {question}");
    await rules.getByText("{question}: the visitor's question, required ✓").waitFor();
    await form.getByLabel(/Name/).fill("Template");
    await form.getByRole("button", { name: "Add prompt" }).click();
    await list.getByRole("listitem", { name: "Template" }).waitFor();

    // The switch's input is visually hidden; a person clicks its label.
    await list.getByRole("listitem", { name: "Tone" }).getByText("In use").click();
    await page.waitForFunction(() => {
      const tone = document.querySelector('[aria-label="Prompts"] > li[aria-label="Tone"] input[role="switch"]');
      return tone instanceof HTMLInputElement && !tone.checked;
    });
    // A switched-off prompt says so, and each switch is named by its prompt.
    await list.getByRole("listitem", { name: "Tone" }).getByText("Not in use").waitFor();
    expect(await list.getByRole("switch", { name: "Use Tone" }).isChecked()).toBe(false);
    expect(await list.getByRole("switch", { name: "Use Template" }).isChecked()).toBe(true);
    // An edit can be left without saving.
    await list.getByRole("listitem", { name: "Template" }).getByRole("button", { name: "Edit" }).click();
    await page.getByRole("dialog").getByRole("textbox", { name: "Text" }).fill("Not kept: {question}");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.waitForLoadState("networkidle");
    const owner = await gqlRaw(t.url, `mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { session { token } } }`, { e: email, p: password });
    const stored = await gqlRaw(
      t.url,
      `{ bots(search: "Returns") { edges { node { prompts(first: 10) { edges { node { name type order isActive } } } } } } }`,
      {},
      { authorization: `Bearer ${owner.data!.logIn.session.token}` },
    );
    const prompts = stored.data!.bots.edges[0].node.prompts.edges.map((e: { node: unknown }) => e.node);
    expect(prompts).toEqual(
      expect.arrayContaining([
        { name: "Scope", type: "SYSTEM", order: 0, isActive: true },
        { name: "Tone", type: "SYSTEM", order: 1, isActive: false },
        { name: "Template", type: "USER_TEMPLATE", order: 0, isActive: true },
      ]),
    );
    await page.close();
  });

  it("answers in the playground as a visitor would, streamed, with the passages it used beside the answer", async () => {
    const page = await newPage();
    // Time runs as usual, but the toast's five seconds below can be skipped rather than waited for.
    await page.clock.install();
    const frames: string[] = [];
    page.on("websocket", (ws) => ws.on("framereceived", (frame) => frames.push(String(frame.payload))));
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Returns desk" }).click();
    await page.getByRole("button", { name: "Add text" }).click();
    await page.getByRole("dialog").getByLabel(/Title/).fill("Returns policy");
    await page
      .getByRole("dialog")
      .getByLabel("Text")
      .fill("Returns are accepted within 30 days of delivery, with the receipt. Refunds reach your card within five working days.");
    await page.getByRole("dialog").getByRole("button", { name: "Add" }).click();
    await page
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: /Returns policy/ }) })
      .getByText("synced")
      .waitFor({ timeout: 30_000 });

    await page.getByRole("tab", { name: "Playground" }).click();
    await page.getByRole("textbox", { name: "Question" }).fill("Within how many days are returns accepted?");
    await page.getByRole("button", { name: "Ask" }).click();
    const passages = page.getByRole("complementary", { name: "Passages used" });
    await passages.getByText("Returns policy").waitFor({ timeout: 30_000 });
    expect(await page.getByRole("list", { name: "Conversation" }).innerText()).toContain("30 days");
    expect(await passages.innerText()).toMatch(/score -?\d\.\d\d/);
    expect(frames.filter((frame) => frame.includes('"ChatToken"')).length).toBeGreaterThan(1);
    // It says who wrote the answer: here, with no model server, the embedded answerer.
    await page.getByText("quoted from the sources by Parley's embedded answerer", { exact: false }).waitFor();
    // The question's field has room: its label above it, as wide as the row allows.
    const field = await page.getByRole("textbox", { name: "Question" }).boundingBox();
    expect(field!.width).toBeGreaterThan(400);
    await page.getByRole("textbox", { name: "Question" }).fill("And the refund?");
    await page.getByRole("button", { name: "Ask" }).click();
    await page.getByRole("complementary", { name: "Passages used" }).nth(1).waitFor({ timeout: 30_000 });
    expect(await page.getByRole("list", { name: "Conversation" }).getByRole("listitem").count()).toBe(2);
    await page.close();
  });

  it("corrects an answer from the playground in one step, and keeps the corrections: edit, switch off, CSV out and in", async () => {
    const page = await newPage();
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Returns desk" }).click();
    await page.getByRole("tab", { name: "Playground" }).click();
    await page.getByRole("textbox", { name: "Question" }).fill("Can I return an item without the receipt?");
    await page.getByRole("button", { name: "Ask" }).click();
    const conversation = page.getByRole("list", { name: "Conversation" });
    await conversation.getByRole("button", { name: "Correct this answer" }).waitFor({ timeout: 30_000 });

    // The question and the bot's answer come filled in; the owner puts the answer right.
    await conversation.getByRole("button", { name: "Correct this answer" }).click();
    const dialog = page.getByRole("dialog", { name: "Correct this answer" });
    expect(await dialog.getByLabel("The visitor's question").inputValue()).toBe("Can I return an item without the receipt?");
    expect(await dialog.getByLabel("The answer it must get").inputValue()).not.toBe("");
    await dialog.getByLabel("The answer it must get").fill("Without a receipt we offer store credit, not a refund.");
    await dialog.getByLabel(/Other ways/).fill("What if I lost my receipt?");
    await page.screenshot({ path: path.join(ARTIFACTS, "console-correct-answer.png") });
    await dialog.getByRole("button", { name: "Save the correction" }).click();
    await dialog.waitFor({ state: "detached" });

    await page.getByRole("textbox", { name: "Question" }).fill("What if I lost my receipt?");
    await page.getByRole("button", { name: "Ask" }).click();
    await conversation.getByText("Without a receipt we offer store credit, not a refund.").waitFor({ timeout: 30_000 });
    await conversation.getByText(/your correction/).waitFor();

    await page.getByRole("tab", { name: "Corrections" }).click();
    const table = page.getByRole("table", { name: "Corrections" });
    const row = table.getByRole("row").filter({ hasText: "Can I return an item without the receipt?" });
    await row.getByRole("cell", { name: /^1/ }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "console-corrections.png"), fullPage: true });
    await row.getByRole("button", { name: /^Edit/ }).click();
    await page.getByRole("dialog").getByLabel("The answer it must get").fill("Without a receipt: store credit only.");
    await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    await row.getByText("Without a receipt: store credit only.").waitFor();
    // The switch's input is visually hidden; a person clicks its label.
    await row.getByText("Active", { exact: true }).click();
    const stored = async () =>
      (await t.app.services.db.prisma.correction.findFirstOrThrow({ where: { question: "Can I return an item without the receipt?" } })).isActive;
    for (let i = 0; i < 100 && (await stored()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await stored()).toBe(false);

    // CSV in: two more corrections from a file.
    const chooser = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Import CSV" }).click();
    await (
      await chooser
    ).setFiles({
      name: "more.csv",
      mimeType: "text/csv",
      buffer: Buffer.from('question,answer\nDo you gift-wrap?,"Yes, for free."\nDo you ship abroad?,Within the EU only.\n'),
    });
    await page.getByRole("status").filter({ hasText: "Imported 2 corrections." }).waitFor();
    await table.getByRole("rowheader", { name: "Do you gift-wrap?" }).waitFor();
    await page.close();
  });

  it("lists what the bot could not answer, grouped, and puts a topic right with a correction", async () => {
    const page = await newPage();
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Returns desk" }).click();
    await page.getByRole("tab", { name: "Playground" }).click();
    const conversation = page.getByRole("list", { name: "Conversation" });
    for (const question of ["Do you repair electric scooters?", "Can you repair my electric scooter?"]) {
      await page.getByRole("textbox", { name: "Question" }).fill(question);
      await page.getByRole("button", { name: "Ask" }).click();
      await conversation
        .getByRole("listitem")
        .filter({ hasText: question })
        .getByText(/could not find/)
        .waitFor({ timeout: 30_000 });
    }

    await page.getByRole("tab", { name: "Missing knowledge" }).click();
    const topic = page.getByRole("list", { name: "Missing knowledge" }).getByRole("listitem").filter({ hasText: "Do you repair electric scooters?" }).first();
    await topic.getByText("2 questions").waitFor({ timeout: 10_000 });
    await topic.getByRole("button", { name: /Do you repair electric scooters/ }).click();
    await topic
      .getByRole("list", { name: /Questions about/ })
      .getByText("Can you repair my electric scooter?")
      .waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "console-gaps.png"), fullPage: true });

    await topic.getByRole("button", { name: "Write a correction" }).click();
    const dialog = page.getByRole("dialog", { name: "Write a correction" });
    expect(await dialog.getByLabel(/Other ways/).inputValue()).toContain("electric scooter");
    await dialog.getByLabel("The answer it must get").fill("We repair bicycles only, not scooters.");
    await dialog.getByRole("button", { name: "Save the correction" }).click();
    // Dealt with: the topic leaves the list.
    await page
      .getByRole("list", { name: "Missing knowledge" })
      .getByRole("button", { name: /Do you repair electric scooters/ })
      .waitFor({ state: "detached" });

    await page.getByRole("tab", { name: "Playground" }).click();
    await page.getByRole("textbox", { name: "Question" }).fill("Do you repair electric scooters?");
    await page.getByRole("button", { name: "Ask" }).click();
    await conversation.getByText("We repair bicycles only, not scooters.").waitFor({ timeout: 30_000 });
    await page.close();
  });

  it("runs a bot's checks, and shows a check that passed and fails after a sync as a regression", async () => {
    const page = await newPage();
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Returns desk" }).click();
    await page.getByRole("tab", { name: "Checks" }).click();
    const table = page.getByRole("table", { name: "Checks" });
    // Every correction is a check already.
    await table.getByRole("rowheader", { name: "Can I return an item without the receipt?" }).waitFor();
    await page.getByRole("button", { name: "New check" }).click();
    const dialog = page.getByRole("dialog", { name: "New check" });
    await dialog.getByLabel("Question").fill("Within how many days are returns accepted?");
    await dialog.getByLabel(/must contain one of/).fill("30 days");
    await dialog.getByRole("button", { name: "Save the check" }).click();
    await table.getByRole("rowheader", { name: "Within how many days are returns accepted?" }).waitFor();

    await page.getByRole("button", { name: "Run the checks" }).click();
    const lastRun = page.getByRole("region", { name: "Last run" });
    await lastRun.getByText(/^Last run .*: \d+ passed, \d+ failed of \d+\./).waitFor({ timeout: 30_000 });
    const row = table.getByRole("row").filter({ hasText: "Within how many days are returns accepted?" });
    await row.getByText("passed", { exact: true }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "console-checks.png"), fullPage: true });

    // The policy changes: the checks run after the sync, and the one that passed fails now.
    const prisma = t.app.services.db.prisma;
    const source = await prisma.source.findFirstOrThrow({ where: { name: "Returns policy" } });
    const owner = (
      await gqlRaw(t.url, `mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { session { token } } }`, { e: email, p: password })
    ).data!.logIn.session.token as string;
    const changed = await gqlRaw(
      t.url,
      `mutation($id: ID!) { updateSource(id: $id, text: "Returns are accepted within 14 days of delivery, with the receipt.") { id } }`,
      { id: source.id },
      { authorization: `Bearer ${owner}` },
    );
    expect(changed.errors).toBeUndefined();
    await lastRun.getByText(/passed before and fail now/).waitFor({ timeout: 30_000 });
    await lastRun.getByRole("list", { name: "What changed since the run before" }).getByText("Within how many days are returns accepted?").waitFor();
    await row.getByText("regression", { exact: true }).waitFor();
    await page.close();
  });

  it("replaces a document's file, a text's words and a link's address, each read again", async () => {
    const owner = (
      await gqlRaw(t.url, `mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { session { token } } }`, { e: email, p: password })
    ).data!.logIn.session.token as string;
    const headers = { authorization: `Bearer ${owner}` };
    const me = await gqlRaw(t.url, `{ me { memberships { workspace { id } } } }`, {}, headers);
    const account = { token: owner, userId: "", email, workspaceId: me.data!.me.memberships[0].workspace.id, headers };
    const botId = await createBot(t.url, account, "Replacements");
    const upload = await uploadFile(
      t.url,
      headers,
      `mutation($b: ID!, $file: File!) { uploadDocument(botId: $b, file: $file) { id } }`,
      { b: botId },
      { name: "hours.txt", type: "text/plain", bytes: new TextEncoder().encode("The shop opens at nine.") },
    );
    const text = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addTextSource(botId: $b, title: "Delivery", text: "Delivery takes a week.") { id } }`,
      { b: botId },
      headers,
    );
    const link = await gqlRaw(
      t.url,
      `mutation($b: ID!, $u: String!) { addLinkSource(botId: $b, link: { url: $u }) { id } }`,
      { b: botId, u: `${site.origin}/help/returns` },
      headers,
    );
    const ids = { file: upload.data!.uploadDocument.id as string, text: text.data!.addTextSource.id as string, link: link.data!.addLinkSource.id as string };
    for (const id of Object.values(ids)) await waitForSource(t, id);
    const chunksOf = async (id: string) => (await t.app.services.db.prisma.chunk.findMany({ where: { sourceId: id } })).map((c) => c.content).join(" ");
    const synced = (id: string, before: Date | null) =>
      waitForSource(t, id, (s) => s.syncStatus === "SYNCED" && s.lastSyncedAt !== null && (!before || s.lastSyncedAt > before));
    const lastSynced = async (id: string) => (await t.app.services.db.prisma.source.findUniqueOrThrow({ where: { id } })).lastSyncedAt;

    const page = await newPage();
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Replacements" }).click();
    await page.getByRole("rowheader", { name: /hours\.txt/ }).waitFor();

    let before = await lastSynced(ids.file);
    const chooser = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Replace hours.txt" }).click();
    await (await chooser).setFiles({ name: "hours.txt", mimeType: "text/plain", buffer: Buffer.from("The shop opens at eight, from Monday.") });
    await synced(ids.file, before);
    expect(await chunksOf(ids.file)).toContain("opens at eight");

    before = await lastSynced(ids.text);
    await page.getByRole("button", { name: "Replace Delivery" }).click();
    await page.getByRole("dialog").getByLabel("New text").fill("Delivery takes three days.");
    await page.getByRole("dialog").getByRole("button", { name: "Replace" }).click();
    await synced(ids.text, before);
    expect(await chunksOf(ids.text)).toContain("three days");

    before = await lastSynced(ids.link);
    await page.getByRole("button", { name: /^Change .*help\/returns/ }).click();
    const address = page.getByRole("dialog").getByLabel("Address");
    expect(await address.inputValue()).toBe(`${site.origin}/help/returns`);
    await address.fill(`${site.origin}/help/shipping`);
    await page.getByRole("dialog").getByRole("button", { name: "Read it again" }).click();
    await synced(ids.link, before);
    expect(await chunksOf(ids.link)).toContain("within two days");
    await page.getByRole("row").filter({ hasText: "/help/shipping" }).getByText("synced").waitFor();
    await page.close();
  });

  it("lets an owner invite members, who join from the link; change their roles and remove them", async () => {
    const newcomer = await signUp(t.url, "Newcomer's own");
    const page = await newPage();
    await page.goto(`${t.url}/admin`);
    await logInForm(page);
    await page.getByRole("link", { name: "Members" }).click();
    await page.getByRole("heading", { name: "Members of Garden Shop" }).waitFor();
    const table = page.getByRole("table", { name: "Members" });
    await table.getByRole("rowheader", { name: /Olive Owner/ }).waitFor();
    expect(await table.getByRole("row").count()).toBe(3); // header, the owner, the member added earlier

    const invite = async (who: string, role: string) => {
      const form = page.getByRole("form", { name: "Invite a member" });
      await form.getByLabel(/email/i).fill(who);
      await form.getByLabel("Role").selectOption(role);
      await form.getByRole("button", { name: "Invite" }).click();
      const shown = page.getByRole("status").filter({ hasText: `Send this link to ${who}` });
      // The link's address is the public one; its fragment is the token, which the test opens here.
      return `${t.url}/admin/join${new URL((await shown.locator("code").textContent())!).hash}`;
    };
    const link = await invite(newcomer.email, "ADMIN");
    await page.getByRole("table", { name: "Pending invitations" }).getByRole("rowheader", { name: newcomer.email }).waitFor();

    // The newcomer, logged in with their own account, opens the link and joins.
    const theirs = await newPage();
    await theirs.goto(`${t.url}/admin`);
    await theirs.evaluate((value) => localStorage.setItem("parley.console.session", value), newcomer.token);
    await theirs.goto(link);
    await theirs.getByRole("heading", { name: "Join Garden Shop" }).waitFor();
    await theirs.getByRole("button", { name: "Join" }).click();
    await theirs.getByRole("heading", { name: "Bots" }).waitFor();
    expect(await theirs.getByRole("button", { name: /Workspace/ }).textContent()).toContain("Garden Shop");
    await theirs.close();

    // Someone without an account creates one from their link, and is in.
    const stranger = `stranger-${randomUUID()}@example.com`;
    const strangerLink = await invite(stranger, "MEMBER");
    const fresh = await newPage();
    await fresh.goto(strangerLink);
    await fresh.getByRole("heading", { name: "Join Garden Shop" }).waitFor();
    const create = fresh.getByRole("form", { name: "Create your account and join" });
    await create.getByLabel(/Choose a password/).fill("correct horse battery staple");
    await create.getByRole("button", { name: "Create account and join" }).click();
    await fresh.getByRole("heading", { name: "Bots" }).waitFor();
    await fresh.close();

    // A withdrawn link and an expired one are refused, in words.
    const withdrawnEmail = `withdrawn-${randomUUID()}@example.com`;
    const withdrawnLink = await invite(withdrawnEmail, "MEMBER");
    await page
      .getByRole("table", { name: "Pending invitations" })
      .getByRole("row")
      .filter({ hasText: withdrawnEmail })
      .getByRole("button", { name: "Withdraw" })
      .click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Withdraw" }).click();
    await page.getByRole("table", { name: "Pending invitations" }).getByRole("rowheader", { name: withdrawnEmail }).waitFor({ state: "detached" });
    const expiredEmail = `expired-${randomUUID()}@example.com`;
    const expiredLink = await invite(expiredEmail, "MEMBER");
    await t.app.services.db.prisma.invitation.updateMany({ where: { email: expiredEmail }, data: { expiresAt: new Date(Date.now() - 1000) } });
    for (const dead of [withdrawnLink, expiredLink]) {
      // A page each: the two links differ only in their fragment, which a navigation in one page would not reload.
      const refused = await newPage();
      await refused.goto(dead);
      await refused.getByRole("alert").filter({ hasText: "This invitation is not valid" }).waitFor();
      await refused.close();
    }

    await page.reload();
    const row = table.getByRole("row").filter({ hasText: newcomer.email });
    await row.waitFor();
    expect(await row.getByLabel(`Role of ${newcomer.email}`).inputValue()).toBe("ADMIN");
    await table.getByRole("row").filter({ hasText: stranger }).waitFor();
    expect(await page.getByRole("table", { name: "Pending invitations" }).count()).toBe(0);

    await row.getByLabel(`Role of ${newcomer.email}`).selectOption("MEMBER");
    const roleThere = async () => {
      const roles = await gqlRaw(t.url, "{ me { memberships { role workspace { name } } } }", {}, newcomer.headers);
      return roles.data!.me.memberships.find((m: { workspace: { name: string } }) => m.workspace.name === "Garden Shop")?.role;
    };
    // The change goes out as the select changes; wait for it to be stored.
    for (let i = 0; i < 100 && (await roleThere()) !== "MEMBER"; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await roleThere()).toBe("MEMBER");

    await row.getByRole("button", { name: "Remove" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Remove" }).click();
    await row.waitFor({ state: "detached" });
    // The only owner cannot leave: said in the dialog, where the owner is looking.
    await table.getByRole("row").filter({ hasText: email }).getByRole("button", { name: "Remove" }).click();
    const refusal = page.getByRole("alertdialog");
    await refusal.getByRole("button", { name: "Remove" }).click();
    await refusal.getByRole("alert").filter({ hasText: /owner/ }).waitFor();
    await refusal.getByRole("button", { name: "Cancel" }).click();

    // Workspaces are created and renamed beside the switcher.
    await page.getByRole("button", { name: "New workspace" }).click();
    await page.getByRole("dialog", { name: "New workspace" }).getByLabel("Name").fill("Garden Shop (test)");
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.getByRole("heading", { name: "Members of Garden Shop (test)" }).waitFor();
    await page.getByRole("button", { name: "Rename Garden Shop (test)" }).click();
    await page.getByRole("dialog").getByLabel("Name").fill("Garden Shop staging");
    await page.getByRole("dialog").getByRole("button", { name: "Rename" }).click();
    await page.getByRole("heading", { name: "Members of Garden Shop staging" }).waitFor();
    expect(await page.getByRole("button", { name: /Workspace/ }).textContent()).toContain("Garden Shop staging");
    const after = await gqlRaw(t.url, "{ me { memberships { workspace { name } } } }", {}, newcomer.headers);
    expect(after.data!.me.memberships.map((m: { workspace: { name: string } }) => m.workspace.name)).toEqual(["Newcomer's own"]);
    await page.close();
  });
});
