/**
 * A website owner's first hour, in Debian's Chromium, through the console
 * only: sign up, create a bot, upload a PDF and watch it sync, allow the
 * shop's site, create a key and copy the embed code, put it on the shop's
 * page, ask the widget there as a visitor, then find that conversation and
 * its usage back in the console.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { freePort, startApp, tempDir, type TestApp } from "./helpers/app.js";
import { launchChromium } from "./helpers/browser.js";
import { serveSite } from "./helpers/site.js";
import { makePdf } from "./fixtures/documents.js";

const ARTIFACTS = path.join(import.meta.dirname, "artifacts");

let t: TestApp;
let browser: Browser;
let site: { origin: string };
/** What the owner pastes into the shop's page. */
let embed = "";

const parley = () => `http://parley.test:${t.port}`;
const shop = () => site.origin.replace("127.0.0.1", "shop.test");

beforeAll(async () => {
  site = await serveSite({ "/": () => ({ body: `<!doctype html><title>Garden Shop</title><h1>Garden Shop</h1>${embed}` }) });
  const port = await freePort();
  t = await startApp({ PORT: String(port), PUBLIC_URL: `http://parley.test:${port}` });
  browser = await launchChromium(["parley.test", "shop.test"]);
  await mkdir(ARTIFACTS, { recursive: true });
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  // The clipboard needs a secure origin: the owner uses the console at 127.0.0.1 (embed codes name parley.test).
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.url });
  const page = await context.newPage();
  // Parley and the shop, nothing else: neither may need the internet.
  const allowed = new Set([t.url, parley(), shop()]);
  await page.route("**/*", (route) => (allowed.has(new URL(route.request().url()).origin) ? route.continue() : route.abort("internetdisconnected")));
  return page;
}

describe("a website owner's first hour", () => {
  it("signs up, builds a bot from a PDF, embeds it on the shop, and finds the visitor's conversation and usage", async () => {
    const page = await newPage();
    await page.goto(`${t.url}/admin/signup`);
    await page.getByLabel("Email").fill("owner@garden-shop.test");
    await page.getByLabel(/^Password/).fill("mulch and marigolds 2026");
    await page.getByLabel(/Your business/).fill("Garden Shop");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.getByRole("button", { name: "New bot" }).click();
    await page.getByRole("dialog").getByLabel("Name").fill("Garden helper");
    await page.getByRole("dialog").getByRole("button", { name: "Create bot" }).click();
    // The new bot opens at once.
    await page.getByRole("heading", { name: /Garden helper/, level: 1 }).waitFor();

    // A PDF, through the file picker; the live list follows it to synced.
    const pdf = path.join(await tempDir(), "care-guide.pdf");
    await writeFile(pdf, await makePdf(["Watering\nWater roses twice a week in summer, at the roots.", "Returns\nPlants can be returned within 30 days."]));
    const chooser = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Choose files" }).click();
    await (await chooser).setFiles(pdf);
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: /care-guide\.pdf/ }) });
    await row.getByText("synced").waitFor({ timeout: 60_000 });

    await page.getByRole("tab", { name: "Settings" }).click();
    await page.getByRole("textbox", { name: /Allowed websites/ }).fill("shop.test");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
    await page.getByRole("button", { name: "Activate" }).click();
    await page.getByText("active", { exact: true }).first().waitFor();

    await page.getByRole("tab", { name: "API keys and embedding" }).click();
    // The widget as visitors will see it, before it goes on the shop.
    await page.getByRole("button", { name: "Show a live preview" }).click();
    const preview = page.frameLocator('iframe[title="Widget preview"]');
    await preview.getByRole("textbox").fill("Can plants be returned?");
    await preview.getByRole("textbox").press("Enter");
    await preview
      .getByText(/within 30 days/)
      .first()
      .waitFor({ timeout: 30_000 });
    // Its key is the preview's own: not among the bot's keys, and reused when the page is opened again.
    expect(await page.getByRole("rowheader", { name: "Console preview" }).count()).toBe(0);
    for (let i = 0; i < 2; i++) {
      await page.reload();
      await page.getByRole("tab", { name: "API keys and embedding" }).click();
      await page.locator('iframe[title="Widget preview"]').waitFor();
    }
    expect(await t.app.services.db.prisma.apiKey.count({ where: { name: "Console preview" } })).toBe(1);

    await page.getByRole("textbox", { name: /New key for/ }).fill("Shop website");
    await page.getByRole("button", { name: "Create key" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Copy the script tag" }).click();
    await dialog.getByRole("button", { name: "Copy the script tag" }).getByText("Copied").waitFor();
    embed = await page.evaluate(() => navigator.clipboard.readText());
    expect(embed).toMatch(new RegExp(`^<script src="${parley()}/widget.js" data-bot-id="[0-9a-f-]{36}" data-api-key="pk_`));
    await dialog.getByRole("button", { name: "I have copied it" }).click();

    // A visitor on the shop's page.
    const visitor = await newPage();
    await visitor.goto(shop());
    await visitor.locator("[data-parley-launcher]").click();
    const chat = visitor.frameLocator('iframe[id^="parley-chat-"]');
    await chat.getByRole("textbox").fill("How often should I water roses?");
    await chat.getByRole("textbox").press("Enter");
    await chat.getByText(/twice a week/).waitFor({ timeout: 30_000 });
    await visitor.close();

    // Back in the console: the conversation, and the calls it made.
    await page.getByRole("tab", { name: "Conversations" }).click();
    const conversation = page.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /How often should I water roses\?/ });
    await conversation.waitFor();
    expect(await conversation.innerText()).toContain("key Shop website");
    await conversation.click();
    const transcript = page.getByRole("region", { name: "Transcript" });
    await transcript
      .getByText(/twice a week/)
      .first()
      .waitFor({ timeout: 5000 })
      .catch(async (error) => {
        console.log(await page.locator("main").innerText());
        throw error;
      });
    expect(await transcript.getByRole("complementary", { name: "Passages used" }).innerText()).toMatch(/care-guide\.pdf · page 1 · score/);

    await page.screenshot({ path: path.join(ARTIFACTS, "console-conversations.png"), fullPage: true });
    await page.getByRole("tab", { name: "Usage" }).click();
    await page.getByText(/^[1-9]\d* calls, 0 errors/).waitFor({ timeout: 15_000 });
    expect(await page.locator(".chart canvas").count()).toBeGreaterThanOrEqual(3);
    // The legends name the lines rather than reading "Time: -- Calls: --" until hovered; the Playground is said not to count.
    expect(await page.locator(".chart .u-legend").first().innerText()).not.toContain("--");
    expect(await page.locator(".chart .u-legend").first().innerText()).toContain("Calls");
    await page.getByText("Questions asked in the Playground are not counted.", { exact: false }).waitFor();
    await page.getByText("The figures as a table").click();
    expect(await page.getByRole("table", { name: "Usage" }).getByRole("row").count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: path.join(ARTIFACTS, "console-usage.png"), fullPage: true });
    await page.getByRole("tab", { name: "API keys and embedding" }).click();
    await page
      .frameLocator('iframe[title="Widget preview"]')
      .getByText(/within 30 days/)
      .first()
      .waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "console-preview.png"), fullPage: true });
    await page.close();
  });
});
