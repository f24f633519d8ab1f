/**
 * Live hand-off in two Chromium pages: a visitor in the widget asks for a
 * person, an operator claims the conversation in the console, they write
 * to each other with typing shown both ways, the visitor reloads and loses
 * nothing, the operator hands back and the bot answers the next question.
 * Both screens are checked by axe at a desktop width and on a 390 px phone.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { launchChromium } from "./helpers/browser.js";
import { gqlRaw } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

let t: TestApp;
let browser: Browser;
let owner: Account;
let botId: string;
let apiKey: string;

const as = (query: string, variables: Record<string, unknown> = {}) => gqlRaw(t.url, query, variables, owner.headers);

beforeAll(async () => {
  t = await startApp();
  browser = await launchChromium();
  await mkdir(path.join(import.meta.dirname, "artifacts"), { recursive: true });
  owner = await signUp(t.url, "Garden Shop");
  await t.app.services.db.prisma.user.update({ where: { id: owner.userId }, data: { name: "Anna Gardener" } });
  botId = await createBot(t.url, owner, "Garden helper");
  const added = await as(
    `mutation($b: ID!) { addTextSource(botId: $b, title: "Warranty", text: "Garden tools carry a warranty of two years from delivery.") { id } }`,
    {
      b: botId,
    },
  );
  await waitForSource(t, added.data!.addTextSource.id);
  await as(`mutation($b: ID!) { updateBot(id: $b, input: { isPublic: true, settings: { handoff: WHEN_UNANSWERED } }) { id } }`, { b: botId });
  await as(`mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId });
  await as(`mutation($b: ID!, $u: [ID!]!) { setBotOperators(botId: $b, userIds: $u) { id } }`, { b: botId, u: [owner.userId] });
  apiKey = (await as(`mutation($b: ID!) { createApiKey(botId: $b, name: "shop") { secret } }`, { b: botId })).data!.createApiKey.secret;
});

async function open(width: number, url: string, session?: string): Promise<Page> {
  // axe is injected by the test, which the pages' CSP would refuse.
  const context = await browser.newContext({ viewport: { width, height: 844 }, bypassCSP: true });
  if (session) await context.addInitScript((token) => localStorage.setItem("parley.console.session", token), session);
  const page = await context.newPage();
  await page.route("**/*", (route) =>
    new URL(route.request().url()).origin === new URL(t.url).origin ? route.continue() : route.abort("internetdisconnected"),
  );
  await page.goto(url);
  return page;
}

/** For the README and for a failed run's reader: tests/artifacts/<name>.png. */
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(import.meta.dirname, "artifacts", `${name}.png`) });

async function axeClean(page: Page, screen: string) {
  // Legacy mode: axe.run in the page (same-origin frames included), without the blank page the default merges frames in.
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).setLegacyMode(true).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect({ screen, violations: serious.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) })) }).toEqual({
    screen,
    violations: [],
  });
}

describe("live hand-off", () => {
  it.each([
    ["a desktop", 1280],
    ["a 390 px phone", 390],
  ])("a visitor and an operator talk, then the bot answers again, on %s", async (_what, width) => {
    const operator = await open(width, `${t.url}/admin/bots/${botId}`, owner.token);
    await operator.getByRole("tab", { name: "Live chat" }).click();
    await operator.getByRole("button", { name: "Online" }).click();
    await operator.getByText(/1 operator online now/).waitFor();

    const visitor = await open(width, `${t.url}/widget/${botId}?api_key=${apiKey}`);
    const input = visitor.getByRole("textbox", { name: /Ask Garden helper/ });
    await input.fill("Can I pay with cryptocurrency?");
    await input.press("Enter");
    await visitor.getByRole("button", { name: "Talk to a person" }).click();
    await visitor.getByText(/Waiting for a person… You are number 1 in line\./).waitFor();
    await axeClean(visitor, `widget waiting, ${width}`);

    // The queue fills live; the operator opens the conversation and claims it.
    await operator
      .getByRole("list", { name: "Waiting for a person" })
      .getByRole("button", { name: /Can I pay with cryptocurrency/ })
      .click();
    await operator.getByRole("button", { name: "Claim" }).click();
    // Visitors see the operator's first name, never their surname or address.
    await visitor.getByText("Anna joined the conversation.").waitFor();

    const reply = operator.getByRole("textbox", { name: "Your reply" });
    await reply.pressSequentially("We do");
    await visitor.getByText("Anna is typing…").waitFor();
    await reply.fill("We do! <b>Sheds</b> ship within a week.");
    await reply.press("Enter");
    await visitor.getByText("We do! <b>Sheds</b> ship within a week.").waitFor();

    await input.pressSequentially("Great");
    await operator.getByText("The visitor is typing…").waitFor();
    await input.fill("Great, how much is delivery?");
    await input.press("Enter");
    await operator.getByText("Great, how much is delivery?").waitFor();
    await axeClean(operator, `console live chat, ${width}`);
    await shot(visitor, `handoff-widget-${width}`);
    await shot(operator, `handoff-console-${width}`);
    // Nothing sideways on a phone either.
    expect(await operator.evaluate(() => document.documentElement.scrollWidth)).toBe(width);

    // A reload loses nothing and doubles nothing.
    await visitor.reload();
    await visitor.getByText("We do! <b>Sheds</b> ship within a week.").waitFor();
    expect(await visitor.getByText("We do! <b>Sheds</b> ship within a week.").count()).toBe(1);
    expect(await visitor.getByText("Great, how much is delivery?").count()).toBe(1);
    await axeClean(visitor, `widget with a person, ${width}`);

    await operator.getByRole("button", { name: "Hand back to the bot" }).click();
    await visitor.getByText("Anna left. The assistant answers again.").waitFor();
    const again = visitor.getByRole("textbox", { name: /Ask Garden helper/ });
    await again.fill("How long is the warranty on garden tools?");
    await again.press("Enter");
    await visitor
      .getByText(/two years/i)
      .last()
      .waitFor({ timeout: 20_000 });
    // Usage tells the conversations handed to a person apart.
    await operator.getByRole("tab", { name: "Usage" }).click();
    await operator.getByText(/[1-9]\d* conversations, [1-9]\d* handed to a person\./).waitFor();
    await operator.context().close();
    await visitor.context().close();
  });

  it.each([
    ["a desktop", 1280],
    ["a 390 px phone", 390],
  ])("outside business hours the visitor leaves a message, which the console lists, on %s", async (_what, width) => {
    const tomorrow = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"][(new Date().getUTCDay() + 1) % 7];
    await as(`mutation($b: ID!, $h: BusinessHoursInput) { updateBot(id: $b, input: { settings: { handoffHours: $h } }) { id } }`, {
      b: botId,
      h: { timeZone: "UTC", days: [{ day: tomorrow, from: "09:00", to: "17:00" }] },
    });
    try {
      const visitor = await open(width, `${t.url}/widget/${botId}?api_key=${apiKey}`);
      const input = visitor.getByRole("textbox", { name: /Ask Garden helper/ });
      await input.fill("Can I talk to a human?");
      await input.press("Enter");
      await visitor.getByText("Nobody can come right now. Leave a message and we will reply by email.").waitFor();
      await visitor.getByLabel("Your name").fill("Kim");
      await visitor.getByLabel("Your email").fill(`kim-${width}@example.com`);
      await expect(visitor.getByLabel("Your message").inputValue()).resolves.toBe("Can I talk to a human?");
      await visitor.getByLabel("Your message").fill("Please call me about a shed delivery.");
      await axeClean(visitor, `widget message form, ${width}`);
      await shot(visitor, `handoff-lead-${width}`);
      await visitor.getByRole("button", { name: "Send message" }).click();
      await visitor.getByText("Thank you. We will reply by email.").waitFor();

      const operator = await open(width, `${t.url}/admin/bots/${botId}`, owner.token);
      await operator.getByRole("tab", { name: "Messages left" }).click();
      await operator.getByRole("link", { name: `kim-${width}@example.com` }).waitFor();
      await operator.getByText("Please call me about a shed delivery.").first().waitFor();
      await axeClean(operator, `console messages left, ${width}`);
      expect(await operator.evaluate(() => document.documentElement.scrollWidth)).toBe(width);
      await operator.context().close();
      await visitor.context().close();
    } finally {
      await as(`mutation($b: ID!) { updateBot(id: $b, input: { settings: { handoffHours: null } }) { id } }`, { b: botId });
    }
  });
});
