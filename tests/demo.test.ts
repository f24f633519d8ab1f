/** `npm run demo`'s seeding, on the embedded default: what a newcomer gets. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "@jest/globals";
import { DEMO, seedDemo } from "../scripts/demo.js";
import { startApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";

describe("the demo", () => {
  it("creates a workspace, a public bot fed with sample documents and a key that chats, and reuses them on a second run", async () => {
    const t = await startApp();
    const demo = await seedDemo(t.app);
    expect(demo.sources.map((s) => [s.name, s.syncStatus]).sort()).toEqual([
      ["returns.md", "SYNCED"],
      ["shipping.md", "SYNCED"],
      ["warranty.txt", "SYNCED"],
    ]);

    const asKey = { "x-api-key": demo.apiKey };
    const reply = await gqlRaw(
      t.url,
      `mutation($b: ID!) { sendMessage(botId: $b, message: "How long does delivery to Germany take?") { message { content model } sources { name } } }`,
      { b: demo.botId },
      asKey,
    );
    expect(reply.errors).toBeUndefined();
    expect(reply.data!.sendMessage.message.model).toBe("parley-extractive");
    expect(reply.data!.sendMessage.message.content).toContain("Germany, France and Luxembourg: 2–4 working days");
    expect(reply.data!.sendMessage.sources[0].name).toBe("Shipping"); // the document's own title, not its file name

    // The widget URL it prints opens on its own.
    const page = await fetch(`${t.url}/widget/${demo.botId}?api_key=${encodeURIComponent(demo.apiKey)}`);
    expect(page.status).toBe(200);

    const again = await seedDemo(t.app);
    expect(again.botId).toBe(demo.botId);
    expect(again.sources).toHaveLength(3);
    expect(await t.app.services.db.prisma.user.count({ where: { email: DEMO.email } })).toBe(1);
    // Secrets are shown once: the second run rotated the key.
    expect((await gqlRaw(t.url, `{ publicBot { name } }`, {}, asKey)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await gqlRaw(t.url, `{ publicBot { name } }`, {}, { "x-api-key": again.apiKey })).data).toEqual({ publicBot: { name: DEMO.bot } });
  });

  it("says in one line, without a stack, that the data folder is in use when Parley already runs on it", async () => {
    const t = await startApp();
    const demo = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      env: { ...process.env, NODE_OPTIONS: "", DATA_DIR: t.dataDir, LOG_LEVEL: "silent" },
    });
    let stderr = "";
    demo.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(demo, "exit")) as [number];
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^parley demo: .*parley\.lock is held by another running process \(pid \d+\)/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
