import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "@jest/globals";
import { Webhook } from "standardwebhooks";
import { codeOf, createBot, invite, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { gqlRaw, type AnyData } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

/*
 * Outbound webhooks, received by a loopback endpoint that verifies every
 * signature with the Standard Webhooks library (what a receiver would use),
 * fails when told to, and counts what it accepted.
 */

const servers = new Set<Server>();
afterAll(async () => {
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Received {
  id: string;
  type: string;
  data: AnyData;
  accepted: boolean;
}

/** A receiver on loopback: answers 500 while `failing`, 204 otherwise; every request's signature verified. */
async function startReceiver() {
  const received: Received[] = [];
  const forged: string[] = [];
  let secret = "";
  const state = { failing: false };
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      try {
        const event = new Webhook(secret).verify(body, request.headers as IncomingHttpHeaders & Record<string, string>) as { type: string; data: AnyData };
        received.push({ id: String(request.headers["webhook-id"]), type: event.type, data: event.data, accepted: !state.failing });
      } catch (error) {
        forged.push((error as Error).message);
      }
      response.writeHead(state.failing ? 500 : 204).end(state.failing ? "down for maintenance" : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.add(server);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    forged,
    state,
    useSecret: (value: string) => (secret = value),
  };
}

const ENV = { ALLOW_PRIVATE_URLS: "true", WEBHOOK_ALLOW_HTTP: "true", WEBHOOK_RETRY_DELAYS_MS: "300,300,300,300,300,300,300,300" };

async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function createWebhook(t: TestApp, owner: Account, url: string, events: string[]) {
  const created = await gqlRaw(
    t.url,
    `mutation($w: ID!, $i: WebhookInput!) { createWebhook(workspaceId: $w, input: $i) { secret webhook { id url events enabled } } }`,
    { w: owner.workspaceId, i: { url, events } },
    owner.headers,
  );
  expect(created.errors).toBeUndefined();
  return created.data!.createWebhook as { secret: string; webhook: { id: string } };
}

const DELIVERIES = `query($w: ID!) { workspace(id: $w) { webhooks { id enabled disabledReason failingSince
  deliveries(first: 20) { edges { node { id eventId eventType status attempts responseStatus lastError deliveredAt } } } } } }`;

async function deliveries(t: TestApp, owner: Account): Promise<{ id: string; enabled: boolean; disabledReason: string | null; deliveries: AnyData[] }> {
  const result = await gqlRaw(t.url, DELIVERIES, { w: owner.workspaceId }, owner.headers);
  expect(result.errors).toBeUndefined();
  const [hook] = result.data!.workspace.webhooks;
  return { ...hook, deliveries: hook.deliveries.edges.map((e: AnyData) => e.node) };
}

/** One app for the tests that need no restart (each in its own workspace); endpoints there are switched off after a second of failing. */
let app: Promise<TestApp> | undefined;
const shared = () => (app ??= startApp({ ...ENV, WEBHOOK_DISABLE_AFTER_MS: "1000" }));

describe("outbound webhooks", () => {
  it("signs every delivery, retries a failing endpoint, and delivers each event once it recovers, across a restart", async () => {
    const receiver = await startReceiver();
    let t = await startApp(ENV);
    const owner = await signUp(t.url);
    const botId = await createBot(t.url, owner);

    // Admins only; a real address and at least one event.
    const member = await signUp(t.url, "Other");
    await invite(t.url, owner, member, "MEMBER");
    const asMember = await gqlRaw(
      t.url,
      `mutation($w: ID!) { createWebhook(workspaceId: $w, input: { url: "https://example.com/h", events: [LEAD_CREATED] }) { secret } }`,
      { w: owner.workspaceId },
      member.headers,
    );
    expect(codeOf(asMember)).toBe("FORBIDDEN");
    for (const input of [
      { url: "ftp://example.com/h", events: ["LEAD_CREATED"] },
      { url: "https://example.com/h", events: [] },
    ]) {
      const refused = await gqlRaw(
        t.url,
        `mutation($w: ID!, $i: WebhookInput!) { createWebhook(workspaceId: $w, input: $i) { secret } }`,
        { w: owner.workspaceId, i: input },
        owner.headers,
      );
      expect(codeOf(refused)).toBe("BAD_USER_INPUT");
    }

    const { secret, webhook } = await createWebhook(t, owner, receiver.url, ["SOURCE_SYNCED", "LEAD_CREATED"]);
    expect(secret).toMatch(/^whsec_/);
    receiver.useSecret(secret);
    // Stored sealed: a copy of the database does not give the secret away.
    const row = await t.app.services.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(row.secret).not.toContain(secret.slice("whsec_".length, 20));

    receiver.state.failing = true;
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addTextSource(botId: $b, title: "Hours", text: "We open at nine.") { id } }`,
      { b: botId },
      owner.headers,
    );
    const sourceId = added.data!.addTextSource.id as string;
    await waitForSource(t, sourceId);
    await until(async () => (receiver.received.length >= 2 ? true : undefined));
    const failed = (await deliveries(t, owner)).deliveries[0]!;
    expect(failed).toMatchObject({ eventType: "source.synced", status: "PENDING", responseStatus: 500 });
    expect(failed.lastError).toMatch(/^500 .*down for maintenance/);

    // The process stops with the delivery still owed; the next one sends it.
    await t.stop();
    receiver.state.failing = false;
    t = await startApp({ ...ENV, DATA_DIR: t.dataDir });
    const delivered = await until(async () => {
      const [d] = (await deliveries(t, owner)).deliveries;
      return d?.status === "DELIVERED" ? d : undefined;
    });
    expect(delivered.attempts).toBeGreaterThanOrEqual(3);
    expect(delivered.responseStatus).toBe(204);

    const forEvent = receiver.received.filter((r) => r.id === delivered.eventId);
    expect(forEvent.filter((r) => r.accepted)).toHaveLength(1);
    expect(forEvent.length).toBe(delivered.attempts);
    expect(forEvent[0]).toMatchObject({ type: "source.synced", data: { workspaceId: owner.workspaceId, botId, sourceId, chunkCount: 1 } });
    expect(receiver.forged).toEqual([]);
    // Nothing more comes: the event is done.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(receiver.received.filter((r) => r.id === delivered.eventId)).toHaveLength(forEvent.length);
  });

  it("switches off an endpoint that keeps failing, and redelivers an event by hand once it is on again", async () => {
    const receiver = await startReceiver();
    const t = await shared();
    const owner = await signUp(t.url);
    const { secret, webhook } = await createWebhook(t, owner, receiver.url, ["LEAD_CREATED"]);
    receiver.useSecret(secret);
    receiver.state.failing = true;

    const test = await gqlRaw(t.url, `mutation($id: ID!) { testWebhook(id: $id) { id eventType status } }`, { id: webhook.id }, owner.headers);
    expect(test.data!.testWebhook).toMatchObject({ eventType: "webhook.test", status: "PENDING" });
    const off = await until(async () => {
      const hook = await deliveries(t, owner);
      return hook.enabled ? undefined : hook;
    });
    expect(off.disabledReason).toMatch(/failed for a day/);
    expect(off.deliveries[0]).toMatchObject({ status: "FAILED", lastError: "The endpoint was switched off." });
    const refused = await gqlRaw(t.url, `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }`, { id: off.deliveries[0]!.id }, owner.headers);
    expect(codeOf(refused)).toBe("CONFLICT");

    receiver.state.failing = false;
    const on = await gqlRaw(
      t.url,
      `mutation($id: ID!) { updateWebhook(id: $id, input: { enabled: true }) { enabled failingSince } }`,
      { id: webhook.id },
      owner.headers,
    );
    expect(on.data!.updateWebhook).toEqual({ enabled: true, failingSince: null });
    const again = await gqlRaw(t.url, `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { eventId } }`, { id: off.deliveries[0]!.id }, owner.headers);
    expect(again.data!.redeliverWebhook.eventId).toBe(off.deliveries[0]!.eventId);
    await until(async () => (receiver.received.some((r) => r.accepted && r.id === off.deliveries[0]!.eventId) ? true : undefined));
    expect(receiver.received.at(-1)).toMatchObject({ type: "webhook.test", data: { endpointId: webhook.id } });

    // Another workspace cannot see or touch it.
    const stranger = await signUp(t.url, "Stranger");
    const foreign = await gqlRaw(t.url, `mutation($id: ID!) { testWebhook(id: $id) { id } }`, { id: webhook.id }, stranger.headers);
    expect(codeOf(foreign)).toBe("NOT_FOUND");
  });

  it("carries what happens to a bot: a visitor's unanswered question and answer rated down (not a member's), a request for a person, a message left", async () => {
    const receiver = await startReceiver();
    const t = await shared();
    const owner = await signUp(t.url);
    const botId = await createBot(t.url, owner);
    const { secret } = await createWebhook(t, owner, receiver.url, ["CONVERSATION_UNANSWERED", "ANSWER_RATED_DOWN", "HANDOFF_REQUESTED", "LEAD_CREATED"]);
    receiver.useSecret(secret);
    const as = async (query: string, variables: Record<string, unknown>, headers = owner.headers) => {
      const result = await gqlRaw(t.url, query, variables, headers);
      expect(result.errors).toBeUndefined();
      return result.data!;
    };
    await as(`mutation($b: ID!) { updateBot(id: $b, input: { settings: { handoff: ALWAYS } }) { id } }`, { b: botId });
    await as(`mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId });
    await as(`mutation($b: ID!, $u: [ID!]!) { setBotOperators(botId: $b, userIds: $u) { id } }`, { b: botId, u: [owner.userId] });
    await as(`mutation { setPresence(presence: ONLINE) { presence } }`, {});
    const key = (await as(`mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret } }`, { b: botId })).createApiKey.secret as string;
    const visitor = { "x-api-key": key };
    // The owner trying the bot (the playground: no key), and rating its answer down: no event for its systems.
    const tried = await as(`mutation($b: ID!) { sendMessage(botId: $b, message: "Do you sell sheds in red?") { message { id } } }`, { b: botId });
    await as(`mutation($m: ID!) { rateMessage(messageId: $m, rating: DOWN) { id } }`, { m: tried.sendMessage.message.id });

    const asked = await as(`mutation($b: ID!) { sendMessage(botId: $b, message: "Do you sell sheds?") { sessionId message { id } } }`, { b: botId }, visitor);
    const { sessionId, message } = asked.sendMessage as { sessionId: string; message: { id: string } };
    await as(`mutation($m: ID!) { rateMessage(messageId: $m, rating: DOWN) { id } }`, { m: message.id }, visitor);
    await as(`mutation($b: ID!, $s: String) { requestPerson(botId: $b, sessionId: $s) { state } }`, { b: botId, s: sessionId }, visitor);
    const lead = await as(
      `mutation($b: ID!, $s: String) { leaveMessage(botId: $b, sessionId: $s, email: "kim@example.com", message: "Call me.") { id } }`,
      { b: botId, s: sessionId },
      visitor,
    );

    const types = ["conversation.unanswered", "answer.rated_down", "handoff.requested", "lead.created"];
    await until(async () => (types.every((type) => receiver.received.some((r) => r.type === type)) ? true : undefined));
    const data = Object.fromEntries(receiver.received.map((r) => [r.type, r.data]));
    expect(data["conversation.unanswered"]).toMatchObject({ botId, messageId: message.id, question: "Do you sell sheds?" });
    expect(data["answer.rated_down"]).toMatchObject({ botId, messageId: message.id });
    expect(data["handoff.requested"]).toMatchObject({ botId, sessionId: data["answer.rated_down"]!.sessionId });
    expect(data["lead.created"]).toMatchObject({ botId, leadId: lead.leaveMessage.id });
    expect(receiver.received.map((r) => r.type).sort()).toEqual([...types].sort());
  });
});
