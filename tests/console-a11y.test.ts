/**
 * Every screen of the console checked by axe-core (Deque's rules, WCAG 2.1
 * A and AA) in Debian's Chromium, at a desktop width and on a 390 px phone:
 * no serious or critical violation, no page wider than the phone, no control
 * out of reach sideways on it, and nothing in the browser's console (a CSP
 * violation, an error, a 4xx) on any screen, with the console's CSP on.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AxeBuilder } from "@axe-core/playwright";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { launchChromium } from "./helpers/browser.js";
import { gqlRaw } from "./helpers/graphql.js";
import { serveSite } from "./helpers/site.js";
import { waitForSource } from "./helpers/sources.js";

let t: TestApp;
let browser: Browser;
let owner: Account;
let botId: string;
/** A webhook receiver on loopback: what it was sent. */
let receiver: Server;
let receiverUrl: string;
const received: string[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => (received.push(body), response.writeHead(204).end()));
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/parley`;
  t = await startApp({ ALLOW_PRIVATE_URLS: "true", WEBHOOK_ALLOW_HTTP: "true" });
  owner = await signUp(t.url, "Garden Shop");
  botId = await createBot(t.url, owner, "Garden helper");
  const admin = (query: string, variables: Record<string, unknown>) => gqlRaw(t.url, query, variables, owner.headers);
  const source = await admin(`mutation($b: ID!) { addTextSource(botId: $b, title: "Care guide", text: "Water roses twice a week in summer.") { id } }`, {
    b: botId,
  });
  await waitForSource(t, source.data!.addTextSource.id);
  await admin(`mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId });
  const key = await admin(`mutation($b: ID!) { createApiKey(botId: $b, name: "Shop website") { secret } }`, { b: botId });
  const visitor = { "x-api-key": key.data!.createApiKey.secret as string };
  await gqlRaw(t.url, `mutation($b: ID!) { sendMessage(botId: $b, message: "How often should I water roses?") { sessionId } }`, { b: botId }, visitor);
  await admin(
    `mutation($b: ID!) { createCorrection(botId: $b, input: { question: "Do you deliver plants?", answer: "Yes, within 20 km.", phrasings: ["Can you bring plants to my house?"] }) { id } }`,
    {
      b: botId,
    },
  );
  // A question the care guide does not answer: the gaps inbox has it (beside the answer: wait for it).
  await gqlRaw(t.url, `mutation($b: ID!) { sendMessage(botId: $b, message: "Do you sell seeds?") { sessionId } }`, { b: botId }, visitor);
  for (let i = 0; i < 200 && !(await t.app.services.db.prisma.gapQuestion.count()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  await t.app.services.usage.flush();
  // A link read twice, its page changed in between: the sync history has a diff to show.
  let shipping = "<p>Plants ship on Mondays.</p><p>Orders above 50 euros ship free.</p>";
  const site = await serveSite({ "/shipping": () => ({ body: `<html><head><title>Shipping</title></head><body><main>${shipping}</main></body></html>` }) });
  const link = await admin(`mutation($b: ID!, $u: String!) { addLinkSource(botId: $b, link: { url: $u }) { id } }`, { b: botId, u: `${site.origin}/shipping` });
  const linkId = link.data!.addLinkSource.id as string;
  await waitForSource(t, linkId);
  shipping = "<p>Plants ship on Mondays and Thursdays.</p><p>Orders above 50 euros ship free.</p>";
  await admin(`mutation($id: ID!) { resyncSource(id: $id) { id } }`, { id: linkId });
  for (let i = 0; i < 200 && (await t.app.services.db.prisma.sourceSync.count()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  await waitForSource(t, linkId);
  await admin(`mutation($w: ID!, $u: String!) { createWebhook(workspaceId: $w, input: { url: $u, events: [LEAD_CREATED] }) { secret } }`, {
    w: owner.workspaceId,
    u: `${receiverUrl}/crm`,
  });
  browser = await launchChromium();
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

interface Screen {
  name: string;
  /** `:bot` stands for the bot made in beforeAll. */
  path: string;
  /** Signed out: the log-in and sign-up pages. */
  anonymous?: boolean;
  open?: (page: Page) => Promise<void>;
}

/** The screens, as a visitor to the console and a signed-in owner reach them. */
const SCREENS_DIR = process.env.PARLEY_SCREENSHOTS === "docs" ? "docs/screenshots/screens" : "tests/artifacts/screens";

const SCREENS: Screen[] = [
  { name: "log in", path: "/admin/login", anonymous: true },
  { name: "sign up", path: "/admin/signup", anonymous: true },
  { name: "bots", path: "/admin" },
  { name: "new bot dialog", path: "/admin", open: (page) => page.getByRole("button", { name: "New bot" }).click() },
  { name: "members", path: "/admin/members" },
  { name: "webhooks", path: "/admin/webhooks", open: (page) => page.getByText("Deliveries").first().click() },
  {
    name: "correct an answer dialog",
    path: "/admin/bots/:bot",
    open: async (page: Page) => {
      await page.getByRole("tab", { name: "Conversations" }).click();
      await page.getByRole("button", { name: /How often should I water roses/ }).click();
      await page.getByRole("button", { name: "Correct this answer" }).click();
    },
  },
  {
    name: "change a link dialog",
    path: "/admin/bots/:bot",
    open: async (page: Page) => {
      await page.getByRole("button", { name: /^Change http/ }).click();
      await page.getByRole("dialog").getByText("Read it again").first().waitFor();
      await page.getByRole("dialog").locator('select[name="schedule"]').selectOption("daily");
      await page.screenshot({ path: `tests/artifacts/console-link-schedule-${page.viewportSize()!.width}.png` });
    },
  },
  {
    name: "sync history dialog",
    path: "/admin/bots/:bot",
    open: async (page: Page) => {
      await page.getByRole("button", { name: /^Sync history of / }).click();
      await page.getByText("What changed", { exact: true }).click();
      await page.getByRole("dialog").getByText("+ Plants ship on Mondays and Thursdays.").waitFor();
      await page.screenshot({ path: `tests/artifacts/console-sync-history-${page.viewportSize()!.width}.png` });
    },
  },
  // Each tab opened by its own address, as a reload or a shared link opens it.
  ...(
    [
      ["Sources", "sources"],
      ["Prompts", "prompts"],
      ["Corrections", "corrections"],
      ["Settings", "settings"],
      ["API keys and embedding", "keys"],
      ["Playground", "playground"],
      ["Conversations", "conversations"],
      ["Missing knowledge", "gaps"],
      ["Checks", "checks"],
      ["Usage", "usage"],
    ] as const
  ).map(([tab, address]) => ({
    name: `bot: ${tab}`,
    path: `/admin/bots/:bot/${address}`,
    open: async (page: Page) => {
      expect(await page.getByRole("tab", { name: tab }).getAttribute("aria-selected")).toBe("true");
      if (tab === "Conversations") await page.getByRole("button", { name: /How often should I water roses/ }).click();
      if (tab === "Usage") await page.getByText(/\d+ calls,/).waitFor();
      if (tab === "Missing knowledge") {
        await page.getByRole("button", { name: /Do you sell seeds/ }).click();
        await page.getByRole("list", { name: /Questions about/ }).waitFor();
      }
    },
  })),
];

/**
 * axe in its "legacy" mode: axe.run in the page, its same-origin frames
 * (the widget preview) included. The default runs each frame apart and
 * then merges them in a new blank page, ~0.45 s more a screen (~400 ms even
 * for one trivial rule), for cross-origin frames, which no screen has.
 */
async function check(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).setLegacyMode(true).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect({ screen: label, violations: serious.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) })) }).toEqual({
    screen: label,
    violations: [],
  });
}

/**
 * The controls (buttons, links, fields) a person cannot reach without
 * scrolling something sideways: beyond the window's width, or outside a
 * sideways-scrolling box around them. The tabs' row scrolls by design.
 */
function controlsOutOfReach(): string[] {
  const width = document.documentElement.clientWidth;
  const controls = document.querySelectorAll<HTMLElement>("button, a[href], input, select, textarea, [role=button], [role=radio]");
  // Visually hidden on purpose (React Aria's native selects and checkboxes, dismiss buttons): 1 px boxes, clipped.
  const hidden = (element: HTMLElement): boolean => {
    for (let at: HTMLElement | null = element; at; at = at.parentElement) {
      const box = at.getBoundingClientRect();
      const style = getComputedStyle(at);
      if (box.width <= 1 || box.height <= 1 || style.clipPath === "inset(50%)" || style.visibility === "hidden") return true;
    }
    return false;
  };
  return [...controls]
    .filter((control) => !control.closest('[role="tablist"]') && !hidden(control))
    .filter((control) => {
      const box = control.getBoundingClientRect();
      if (box.left < -1 || box.right > width + 1) return true;
      for (let around = control.parentElement; around; around = around.parentElement) {
        if (!/auto|scroll|hidden/.test(getComputedStyle(around).overflowX)) continue;
        const room = around.getBoundingClientRect();
        if (box.left < room.left - 1 || box.right > room.right + 1) return true;
      }
      return false;
    })
    .map((control) => `${control.tagName.toLowerCase()} "${(control.getAttribute("aria-label") ?? control.textContent ?? "").trim().slice(0, 40)}"`);
}

/** What each page's browser console would show: errors, and responses of 400 and above (a 404 for a missing asset). */
const problems = new WeakMap<Page, string[]>();
function watchProblems(page: Page): Page {
  const seen: string[] = [];
  problems.set(page, seen);
  page.on("console", (message) => message.type() === "error" && seen.push(message.text()));
  page.on("response", (response) => response.status() >= 400 && seen.push(`${response.status()} ${response.url()}`));
  return page;
}

/**
 * Rows of fields (`.row`) whose controls do not start at one height: each
 * field's label sits above its control, so side by side the controls line
 * up (a row of a question and its buttons lines up at the bottom instead,
 * a toolbar of a search box and buttons at the middle).
 */
function misalignedRows(): string[] {
  const rows = [...document.querySelectorAll<HTMLElement>(".row:not(.ask-row):not(.toolbar)")].filter((row) => row.offsetParent);
  return rows.flatMap((row) => {
    const tops = [...row.children]
      .map((field) => field.querySelector<HTMLElement>("input:not([type=checkbox]):not([type=radio]), select, textarea"))
      .filter((control): control is HTMLElement => Boolean(control?.offsetParent))
      .map((control) => Math.round(control.getBoundingClientRect().top));
    // Fields wrapped onto the next line are another line of the row: compare those on the first.
    const first = tops.filter((top) => top < Math.min(...tops) + 30);
    const name = row.getAttribute("aria-label") ?? row.className;
    const problems = Math.max(...first) - Math.min(...first) > 1 ? [`${name}: controls at ${first.join(", ")}`] : [];
    // A button beside the fields stands level with their controls' bottom.
    const controls = [...row.querySelectorAll<HTMLElement>("input:not([type=checkbox]):not([type=radio]), select")].filter((c) => c.offsetParent);
    const bottom = Math.max(...controls.map((control) => Math.round(control.getBoundingClientRect().bottom)));
    for (const button of [...row.children].filter((child) => child.tagName === "BUTTON")) {
      const below = Math.round(button.getBoundingClientRect().bottom);
      if (controls.length && Math.abs(below - bottom) > 2 && below < bottom + 30)
        problems.push(`${name}: button "${button.textContent}" ends at ${below}, fields at ${bottom}`);
    }
    return problems;
  });
}

async function openPage(width: number): Promise<Page> {
  // The console's own CSP stays on: axe runs through the DevTools protocol, and a violation would show as a console error.
  const context = await browser.newContext({ viewport: { width, height: 844 } });
  await context.addInitScript((token) => localStorage.setItem("parley.console.session", token), owner.token);
  const page = await context.newPage();
  await page.route("**/*", (route) =>
    new URL(route.request().url()).origin === new URL(t.url).origin ? route.continue() : route.abort("internetdisconnected"),
  );
  return page;
}

/**
 * One test per screen and width (34), each with its own minute: as one walk
 * per width, a loaded two-core machine once took more than a minute for it.
 */
describe.each([
  ["a desktop", 1280],
  ["a 390 px phone", 390],
])("the console's accessibility on %s", (_what, width) => {
  let signedIn: Page;
  let signedOut: Page;
  beforeAll(async () => {
    signedOut = watchProblems(await (await browser.newContext({ viewport: { width, height: 844 } })).newPage());
    signedIn = watchProblems(await openPage(width));
  });

  it.each(SCREENS.map((screen) => [screen.name, screen] as const))(
    "%s: no serious or critical axe violation, nothing wider than the page",
    async (name, screen) => {
      const page = screen.anonymous ? signedOut : signedIn;
      const shot = `tests/artifacts/a11y-${width}-${name.replace(/\W+/g, "-")}.png`;
      problems.get(page)!.length = 0;
      await page.goto(`${t.url}${screen.path.replace(":bot", botId)}`);
      const ready = screen.anonymous
        ? page.getByRole("button", { name: /Log in|Create account/ })
        : page.getByRole("main").getByRole("heading", { level: 1 }).first();
      await ready.waitFor({ timeout: 10_000 }).catch(async (error) => {
        await page.screenshot({ path: shot, fullPage: true });
        throw new Error(`${name}: ${(error as Error).message}`);
      });
      await screen.open?.(page);
      // Loaded: every screen says "Loading…" with aria-busy while its data or its code is on the way
      // (networkidle, which waits half a second of quiet, cost 38 s over the 76 screens).
      await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
      await check(page, name);
      // Every screen at both widths, as the tests saw it: in tests/artifacts/screens/ on every run, and in the
      // README's gallery (docs/screenshots/screens/) when `npm run screenshots` asks (committed files change only then).
      await page.screenshot({ path: `${SCREENS_DIR}/${width}-${name.replace(/\W+/g, "-")}.jpeg`, type: "jpeg", quality: 70, fullPage: true });
      expect({ screen: name, problems: problems.get(page) }).toEqual({ screen: name, problems: [] });
      // One way of writing dates ("Dec 7, 2026, 3:27 AM"), not the browser's bare numeric default beside it.
      expect({ screen: name, numericDates: (await page.locator("body").innerText()).match(/\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/g) }).toEqual({
        screen: name,
        numericDates: null,
      });
      // Nothing sideways, and on a phone every control on screen without scrolling anything sideways (lists are cards).
      expect({ screen: name, width: await page.evaluate(() => document.documentElement.scrollWidth) }).toEqual({ screen: name, width });
      if (width < 500) expect({ screen: name, outOfReach: await page.evaluate(controlsOutOfReach) }).toEqual({ screen: name, outOfReach: [] });
      else expect({ screen: name, misaligned: await page.evaluate(misalignedRows) }).toEqual({ screen: name, misaligned: [] });
    },
  );
});

describe("the console's webhooks screen", () => {
  it("adds a webhook endpoint, shows its secret once, and sends a test event that arrives", async () => {
    const page = await openPage(1280);
    await page.goto(`${t.url}/admin/webhooks`);
    await page.getByLabel("Endpoint address").fill(receiverUrl);
    await page.getByLabel("What it is for (optional)").fill("The shop's CRM");
    await page.getByText("A source failed").click();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = await page.getByRole("status").locator("code").innerText();
    expect(secret).toMatch(/^whsec_/);
    const card = page.getByRole("article", { name: receiverUrl, exact: true });
    await card.getByText("Sent: A source failed, A visitor left a message.").waitFor();
    await card.getByRole("button", { name: "Send a test event" }).click();
    await card.getByRole("cell", { name: /^delivered, 1 attempt/ }).waitFor({ timeout: 15_000 });
    expect(received.map((body) => JSON.parse(body).type)).toContain("webhook.test");
    await page.screenshot({ path: "tests/artifacts/console-webhooks.png", fullPage: true });
  });
});
