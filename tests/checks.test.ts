import { beforeAll, describe, expect, it } from "@jest/globals";
import type { BotEvent } from "../src/services/bot-events.js";
import { createBot, invite, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { gqlRaw, type AnyData } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

/**
 * Checks that replay: every correction, and questions saved with what their
 * answers must hold (or that they must be refused), replayed against the
 * bot as it is now, on demand and after its sources sync; a check that
 * passed and fails now is a regression.
 */

let t: TestApp;
let owner: Account;
let botId: string;
let sourceId: string;
const events: BotEvent[] = [];

async function admin(query: string, variables: Record<string, unknown> = {}, account: Account = owner): Promise<AnyData> {
  const result = await gqlRaw(t.url, query, variables, account.headers);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

const RUNS = `query($b: ID!) { bot(id: $b) { checkRuns(first: 10) { edges { node { id trigger status total passed failed regressions fixed
  results(first: 20) { edges { node { passed regression fixed answer corrected check { question kind } } } } } } } } }`;

/** The newest run once it has ended, when there is one that `after` did not list. */
async function finishedRun(after: readonly string[]): Promise<AnyData> {
  for (let i = 0; ; i++) {
    const [newest] = (await admin(RUNS, { b: botId })).bot.checkRuns.edges.map((e: AnyData) => e.node);
    if ((newest && !after.includes(newest.id) && newest.status !== "RUNNING") || i > 400) return newest;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const runIds = async (): Promise<string[]> => (await admin(RUNS, { b: botId })).bot.checkRuns.edges.map((e: AnyData) => e.node.id);

const byQuestion = (run: AnyData) => Object.fromEntries(run.results.edges.map((e: AnyData) => [e.node.check.question, e.node]));

beforeAll(async () => {
  t = await startApp({ CHECKS_AFTER_SYNC_DELAY_MS: "200" });
  t.app.services.botEvents.subscribe((event) => events.push(event));
  owner = await signUp(t.url);
  botId = await createBot(t.url, owner, "Bike shop");
  const source = await admin(`mutation($b: ID!, $x: String!) { addTextSource(botId: $b, title: "Workshop", text: $x) { id } }`, {
    b: botId,
    x: "The workshop repairs bikes of every brand. Repairs take two to three working days, and we call you when your bike is ready.",
  });
  sourceId = source.addTextSource.id;
  await waitForSource(t, sourceId);
  await admin(`mutation($b: ID!) { createCorrection(botId: $b, input: { question: "Do you sell gift cards?", answer: "Yes, from 20 euros." }) { id } }`, {
    b: botId,
  });
  // The source's first sync runs the checks there were then (the correction's): let that run end.
  await new Promise((resolve) => setTimeout(resolve, 400));
  await t.app.services.checks.settled();
});

describe("checks", () => {
  it("replay every correction and saved question against the bot as it is, storing no conversation and counting no hit", async () => {
    await admin(`mutation($b: ID!) { createCheck(botId: $b, input: { question: "How long do repairs take?", mustContain: ["two to three"] }) { kind } }`, {
      b: botId,
    });
    await admin(`mutation($b: ID!) { createCheck(botId: $b, input: { question: "Do you sell used cars?", refuses: true }) { kind } }`, { b: botId });
    await admin(`mutation($b: ID!) { createCheck(botId: $b, input: { question: "How much is a helmet?", mustContain: ["30 euros"] }) { kind } }`, { b: botId });
    const listed = await admin(`query($b: ID!) { bot(id: $b) { checks { totalCount edges { node { kind question lastResult { passed } } } } } }`, { b: botId });
    expect(listed.bot.checks.edges.map((e: AnyData) => e.node.kind)).toEqual(["CORRECTION", "CONTAINS", "REFUSES", "CONTAINS"]);
    // The correction's check ran when the source first synced; the new ones have not run yet.
    expect(listed.bot.checks.edges.map((e: AnyData) => e.node.lastResult)).toEqual([{ passed: true }, null, null, null]);
    const sessions = await t.app.services.db.prisma.chatSession.count();

    const before = await runIds();
    const started = await admin(`mutation($b: ID!) { runChecks(botId: $b) { status trigger } }`, { b: botId });
    expect(started.runChecks).toEqual({ status: "RUNNING", trigger: "MANUAL" });
    const run = await finishedRun(before);
    expect(run).toMatchObject({ status: "DONE", total: 4, passed: 3, failed: 1, regressions: 0, fixed: 0 });
    const results = byQuestion(run);
    expect(results["Do you sell gift cards?"]).toMatchObject({ passed: true, corrected: true, answer: "Yes, from 20 euros." });
    expect(results["How long do repairs take?"]).toMatchObject({ passed: true, answer: expect.stringContaining("two to three") });
    expect(results["Do you sell used cars?"]).toMatchObject({ passed: true, answer: expect.stringMatching(/could not find/) });
    expect(results["How much is a helmet?"]).toMatchObject({ passed: false });

    expect(await t.app.services.db.prisma.chatSession.count()).toBe(sessions);
    expect((await t.app.services.db.prisma.correction.findFirstOrThrow({ where: { botId } })).hitCount).toBe(0);
  });

  it("run after the sources sync, and call a check that passed and fails now a regression", async () => {
    const before = await runIds();
    await admin(`mutation($id: ID!, $x: String!) { updateSource(id: $id, text: $x) { id } }`, {
      id: sourceId,
      x: "The workshop repairs bikes of every brand. Repairs take about a week, and we call you when your bike is ready.",
    });
    const run = await finishedRun(before);
    expect(run).toMatchObject({ trigger: "SYNC", status: "DONE", failed: 2, regressions: 1 });
    expect(byQuestion(run)["How long do repairs take?"]).toMatchObject({ passed: false, regression: true });
    const changed = await admin(
      `query($b: ID!) { bot(id: $b) { checkRuns(first: 1) { edges { node { results(changed: true) { edges { node { check { question } } } } } } } } }`,
      {
        b: botId,
      },
    );
    expect(changed.bot.checkRuns.edges[0].node.results.edges.map((e: AnyData) => e.node.check.question)).toEqual(["How long do repairs take?"]);
    expect(events.filter((e) => e.type === "checks.regressed")).toEqual([
      { type: "checks.regressed", botId, runId: run.id, regressions: 1, at: expect.any(Date) },
    ]);
    // The syncs that ran them were published too (webhooks carry both).
    expect(events.filter((e) => e.type === "source.synced").length).toBeGreaterThanOrEqual(2);
  });

  it("refuse a check with no expectation, keep a correction's check its correction's, and stay the owner's", async () => {
    const empty = await gqlRaw(t.url, `mutation($b: ID!) { createCheck(botId: $b, input: { question: "Why?" }) { id } }`, { b: botId }, owner.headers);
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "mustContain" });
    const both = await gqlRaw(
      t.url,
      `mutation($b: ID!) { createCheck(botId: $b, input: { question: "Why?", mustContain: ["x"], refuses: true }) { id } }`,
      { b: botId },
      owner.headers,
    );
    expect(both.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const correctionCheck = (await admin(`query($b: ID!) { bot(id: $b) { checks(first: 1) { edges { node { id } } } } }`, { b: botId })).bot.checks.edges[0]
      .node.id;
    const edited = await gqlRaw(t.url, `mutation($id: ID!) { updateCheck(id: $id, input: { question: "x" }) { id } }`, { id: correctionCheck }, owner.headers);
    expect(edited.errors?.[0]?.extensions?.code).toBe("CONFLICT");

    const member = await signUp(t.url, "Member's own");
    await invite(t.url, owner, member, "MEMBER");
    const runByMember = await gqlRaw(t.url, `mutation($b: ID!) { runChecks(botId: $b) { id } }`, { b: botId }, member.headers);
    expect(runByMember.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await gqlRaw(t.url, RUNS, { b: botId }, member.headers)).data!.bot.checkRuns.edges.length).toBeGreaterThan(0);
    const stranger = await signUp(t.url, "Stranger's own");
    const runByStranger = await gqlRaw(t.url, `mutation($b: ID!) { runChecks(botId: $b) { id } }`, { b: botId }, stranger.headers);
    expect(runByStranger.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});
