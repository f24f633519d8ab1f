import { describe, expect, it } from "@jest/globals";
import { codeOf, createBot, signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";
import { serveSite } from "./helpers/site.js";
import { waitForSource } from "./helpers/sources.js";

/*
 * Scheduled re-crawls of link sources: schedules set and refused, a due run
 * queued once however many instances look, the page read again, and a run
 * missed while Parley was stopped run once at the next start.
 */

const ENV = { ALLOW_PRIVATE_URLS: "true" };
const DAY = 24 * 3_600_000;

describe("scheduled syncs", () => {
  it("read a link again when its schedule says, once across instances, and a missed run once at the next start", async () => {
    let edition = "The shop opens at nine.";
    const site = await serveSite({ "/hours": () => ({ body: `<html><head><title>Hours</title></head><body><p>${edition}</p></body></html>` }) });
    let t = await startApp(ENV);
    const owner = await signUp(t.url);
    const botId = await createBot(t.url, owner);
    const as = (query: string, variables: Record<string, unknown>) => gqlRaw(t.url, query, variables, owner.headers);

    // The bot's schedule for new links, and one given with the link.
    expect(
      (await as(`mutation($b: ID!) { updateBot(id: $b, input: { settings: { linkSchedule: "Weekly" } }) { settings { linkSchedule } } }`, { b: botId })).data!
        .updateBot.settings.linkSchedule,
    ).toBe("weekly");
    const added = await as(`mutation($b: ID!, $u: String!) { addLinkSource(botId: $b, link: { url: $u }) { id syncSchedule nextSyncAt } }`, {
      b: botId,
      u: `${site.origin}/hours`,
    });
    const source = added.data!.addLinkSource;
    expect(source.syncSchedule).toBe("weekly");
    expect(new Date(source.nextSyncAt).getTime() - Date.now()).toBeLessThanOrEqual(7 * DAY);
    await waitForSource(t, source.id);

    // Refused: not a schedule, too often, a text source.
    for (const schedule of ["whenever", "*/5 * * * *"]) {
      expect(codeOf(await as(`mutation($id: ID!, $s: String) { setSourceSchedule(id: $id, schedule: $s) { id } }`, { id: source.id, s: schedule }))).toBe(
        "BAD_USER_INPUT",
      );
    }
    const text = await as(`mutation($b: ID!) { addTextSource(botId: $b, title: "Note", text: "Closed on Sundays.") { id } }`, { b: botId });
    expect(codeOf(await as(`mutation($id: ID!) { setSourceSchedule(id: $id, schedule: "daily") { id } }`, { id: text.data!.addTextSource.id }))).toBe(
      "BAD_USER_INPUT",
    );
    const set = await as(`mutation($id: ID!) { setSourceSchedule(id: $id, schedule: "0 6 * * *") { syncSchedule nextSyncAt } }`, { id: source.id });
    expect(set.data!.setSourceSchedule.syncSchedule).toBe("0 6 * * *");

    // Due now (the schedulers sleep until the run they last saw): of two instances looking at once, one queues it.
    const prisma = t.app.services.db.prisma;
    const other = await startApp(ENV, { db: t.app.services.db });
    await prisma.source.update({ where: { id: source.id }, data: { nextSyncAt: new Date(Date.now() - 1000) } });
    edition = "The shop opens at ten.";
    const queued = await Promise.all([t.app.services.syncScheduler.runDue(), other.app.services.syncScheduler.runDue()]);
    expect(queued.flat()).toEqual([source.id]);
    await other.stop();
    await waitForSource(t, source.id, (s) => s.syncStatus === "SYNCED");
    const chunks = await prisma.chunk.findMany({ where: { sourceId: source.id }, select: { content: true } });
    expect(chunks.map((c) => c.content).join(" ")).toContain("ten");
    const after = await prisma.source.findUniqueOrThrow({ where: { id: source.id } });
    expect(after.nextSyncAt!.getTime()).toBeGreaterThan(Date.now());
    expect(after.nextSyncAt!.toISOString()).toMatch(/T06:00:/);

    // Stopped for three days: the missed runs run once at the next start.
    await prisma.source.update({ where: { id: source.id }, data: { nextSyncAt: new Date(Date.now() - 3 * DAY) } });
    await t.stop();
    const hits = site.hits.length;
    t = await startApp({ ...ENV, DATA_DIR: t.dataDir });
    await waitForSource(t, source.id, (s) => s.nextSyncAt!.getTime() > Date.now() && s.syncStatus === "SYNCED" && site.hits.length > hits);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(site.hits.length).toBe(hits + 1);
  });
});
