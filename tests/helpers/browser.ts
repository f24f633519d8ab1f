import { existsSync } from "node:fs";
import { afterAll } from "@jest/globals";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core never downloads a browser of its own. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const browsers = new Set<Browser>();
afterAll(async () => {
  for (const browser of browsers) await browser.close();
});

/**
 * Headless Chromium, closed when the test file ends. `hosts` are names
 * that resolve to loopback, so pages can live on distinct origins
 * (shop.test, evil.test, parley.test) on one machine.
 */
export async function launchChromium(hosts: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: run \`apt-get install -y chromium\` (.ci/run does) or set CHROMIUM_PATH.`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      // This machine has no internet: keep Chromium from trying it.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...(hosts.length ? [`--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1`).join(", ")}`] : []),
    ],
  });
  browsers.add(browser);
  return browser;
}
