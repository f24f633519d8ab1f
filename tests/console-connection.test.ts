/**
 * The console's live connection in Chromium: when the server goes away the
 * header says live updates are paused, and when it is back the console
 * reconnects by itself and reads again what it missed.
 */
import { describe, expect, it } from "@jest/globals";
import { createBot, signUp } from "./helpers/admin.js";
import { freePort, startApp, tempDir } from "./helpers/app.js";
import { launchChromium } from "./helpers/browser.js";
import { gqlRaw } from "./helpers/graphql.js";

describe("the console's live connection", () => {
  it("says when live updates pause while the server restarts, and catches up when it is back", async () => {
    const env = { DATA_DIR: await tempDir(), PORT: String(await freePort()) };
    let t = await startApp(env);
    const owner = await signUp(t.url);
    const botId = await createBot(t.url, owner, "Restart bot");
    const browser = await launchChromium();
    const context = await browser.newContext();
    await context.addInitScript((token) => localStorage.setItem("parley.console.session", token), owner.token);
    const page = await context.newPage();
    const connected = page.waitForEvent("websocket");
    await page.goto(`${t.url}/admin/bots/${botId}`);
    await page.getByText("No sources yet.", { exact: false }).waitFor();
    await connected;
    const notice = page.getByRole("status").filter({ hasText: /Reconnecting to Parley/ });

    await t.stop();
    await notice.waitFor();
    t = await startApp(env);
    // Added while the console was not listening: no event reaches it.
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addTextSource(botId: $b, title: "Opening hours", text: "Open nine to five.") { id } }`,
      { b: botId },
      owner.headers,
    );
    expect(added.errors).toBeUndefined();
    await notice.waitFor({ state: "detached", timeout: 30_000 });
    await page.getByRole("rowheader", { name: /Opening hours/ }).waitFor({ timeout: 15_000 });
    await context.close();
  });
});
