/**
 * Live hand-off at load: one Parley process holds PARLEY_BENCH_VISITORS
 * (1,000) open visitor conversations, each on its own graphql-ws socket
 * following conversationEvents, claimed by PARLEY_BENCH_OPERATORS (50)
 * operators who each follow the bot's handoffEvents. For the measured
 * window, operators reply and visitors write back (held questions through
 * sendMessage), at PARLEY_BENCH_RATE messages a second in all. Printed:
 *   - delivery time, send call to the other side's socket, both ways, p50/p99,
 *     beside a bare relay's (bench/message-relay.ts: HTTP in, websocket out,
 *     nothing else) for the same messages on the same machine: the floor;
 *   - the server's event-loop lag while it runs (bench/lag-probe.ts), target p99 <= 20 ms.
 *
 *   npm run bench:handoff
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { graphqlAt, spawnParley, startedAt } from "./api.js";
import { percentile } from "./stats.js";

const VISITORS = Number(process.env.PARLEY_BENCH_VISITORS ?? 1000);
const OPERATORS = Number(process.env.PARLEY_BENCH_OPERATORS ?? 50);
/** Messages a second, both ways together. */
const RATE = Number(process.env.PARLEY_BENCH_RATE ?? 100);
const SECONDS = Number(process.env.PARLEY_BENCH_SECONDS ?? 20);
const now = () => performance.timeOrigin + performance.now();
const ms = (value: number) => `${value.toFixed(1)} ms`;
const pause = (time: number) => new Promise((resolve) => setTimeout(resolve, time));

const dataDir = await mkdtemp(path.join(os.tmpdir(), "parley-bench-"));
const lagFile = path.join(dataDir, "lag.json");
const server = spawnParley({
  dataDir,
  lagFile,
  // One machine plays every visitor: the public limits would measure themselves.
  env: {
    RATE_LIMIT_PER_KEY_PER_MINUTE: "10000000",
    RATE_LIMIT_PER_BOT_PER_HOUR: "10000000",
    RATE_LIMIT_PER_IP_PER_HOUR: "10000000",
    AUTH_RATE_LIMIT_PER_IP_PER_HOUR: "100000",
    AUTH_SIGNUPS_PER_IP_PER_HOUR: "100000",
  },
});
const url = await startedAt(server);
const gql = graphqlAt(url);
const ws = url.replace(/^http/, "ws");
const socket = (connectionParams: Record<string, unknown>): Client =>
  createClient({ url: `${ws}/graphql`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false });

// The business: an owner, a bot that always offers a person, its key, and its operators (members by invitation).
const owner = await gql<{ signUp: { session: { token: string }; user: { id: string }; workspace: { id: string } } }>(
  `mutation($e: String!) { signUp(email: $e, password: "a long bench password", workspaceName: "Handoff shop") { session { token } user { id } workspace { id } } }`,
  { e: `owner-${Date.now()}@example.com` },
).then((r) => r.signUp);
const ownerToken = owner.session.token;
const { createBot } = await gql<{ createBot: { id: string } }>(
  `mutation($w: ID!) { createBot(input: { workspaceId: $w, name: "Shop", settings: { handoff: ALWAYS } }) { id } }`,
  { w: owner.workspace.id },
  ownerToken,
);
const botId = createBot.id;
await gql(`mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, ownerToken);
const apiKey = (
  await gql<{ createApiKey: { secret: string } }>(`mutation($b: ID!) { createApiKey(botId: $b, name: "bench") { secret } }`, { b: botId }, ownerToken)
).createApiKey.secret;
const operators: { token: string; userId: string }[] = [];
for (let i = 0; i < OPERATORS; i++) {
  const email = `operator-${i}-${Date.now()}@example.com`;
  const { inviteMember } = await gql<{ inviteMember: { token: string } }>(
    `mutation($w: ID!, $e: String!) { inviteMember(workspaceId: $w, email: $e, role: MEMBER) { token } }`,
    { w: owner.workspace.id, e: email },
    ownerToken,
  );
  const { signUp } = await gql<{ signUp: { session: { token: string }; user: { id: string } } }>(
    `mutation($t: String!, $e: String!, $n: String!) { signUp(email: $e, password: "a long bench password", workspaceName: "unused", invitationToken: $t, name: $n) { session { token } user { id } } }`,
    { t: inviteMember.token, e: email, n: `Operator ${i}` },
  );
  operators.push({ token: signUp.session.token, userId: signUp.user.id });
}
await gql(`mutation($b: ID!, $u: [ID!]!) { setBotOperators(botId: $b, userIds: $u) { id } }`, { b: botId, u: operators.map((o) => o.userId) }, ownerToken);
for (const operator of operators) await gql(`mutation { setPresence(presence: ONLINE) { presence } }`, {}, operator.token);

/** Sent-at stamps ride in the text; the receiving side reads them back. */
const stamp = (text: string) => `${now()}|${text}`;
const age = (text: string) => now() - Number(text.slice(0, text.indexOf("|")));
const measuring = { on: false };
const toVisitor: number[] = [];
const toOperator: number[] = [];

// Operators follow the bot's inbox: visitors' messages arrive here.
let first: Client | undefined;
const operatorSockets = operators.map((operator) => {
  const client = socket({ authorization: operator.token });
  first ??= client;
  client.subscribe(
    { query: `subscription($b: ID!) { handoffEvents(botId: $b) { __typename ... on HandoffMessage { message { role content } } } }`, variables: { b: botId } },
    {
      next: ({ data }) => {
        const event = (data as { handoffEvents?: { __typename: string; message?: { role: string; content: string } } })?.handoffEvents;
        // Every operator's inbox hears every message; the first one's times stand for all.
        if (measuring.on && client === first && event?.message?.role === "USER" && event.message.content.includes("|"))
          toOperator.push(age(event.message.content));
      },
      error: () => {},
      complete: () => {},
    },
  );
  return client;
});

// Visitors: each asks for a person, then follows its conversation on its own socket.
const visitors: { sessionId: string; client: Client }[] = [];
const arrivals = performance.now();
for (let i = 0; i < VISITORS; i++) {
  const { requestPerson } = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    body: JSON.stringify({ query: `mutation($b: ID!) { requestPerson(botId: $b) { sessionId state } }`, variables: { b: botId } }),
  }).then(async (r) => ((await r.json()) as { data: { requestPerson: { sessionId: string; state: string } } }).data);
  const client = socket({ apiKey });
  client.subscribe(
    {
      query: `subscription($b: ID!, $s: String!) { conversationEvents(botId: $b, sessionId: $s) { __typename ... on HandoffMessage { message { role content } } } }`,
      variables: { b: botId, s: requestPerson.sessionId },
    },
    {
      next: ({ data }) => {
        const event = (data as { conversationEvents?: { message?: { role: string; content: string } } })?.conversationEvents;
        if (measuring.on && event?.message?.role === "OPERATOR") toVisitor.push(age(event.message.content));
      },
      error: () => {},
      complete: () => {},
    },
  );
  visitors.push({ sessionId: requestPerson.sessionId, client });
}
console.log(`${VISITORS} visitors waiting, each on its own socket, in ${((performance.now() - arrivals) / 1000).toFixed(1)} s`);

// Operators claim the queue in turn: 1,000 / 50 = 20 conversations each.
const waiting = await waitingIds();
const held: { conversationId: string; operator: (typeof operators)[number] }[] = [];
for (const [i, row] of waiting.entries()) {
  const operator = operators[i % operators.length]!;
  await gql(`mutation($id: ID!) { claimConversation(id: $id) { id } }`, { id: row.id }, operator.token);
  held.push({ conversationId: row.id, operator });
}
console.log(`${held.length} conversations claimed by ${OPERATORS} operators`);

/** The queue's conversation ids, in order, a page at a time. */
async function waitingIds(): Promise<{ id: string }[]> {
  const ids: { id: string }[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { bot: { handoffConversations: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string } }[] } } } = await gql(
      `query($b: ID!, $a: String) { bot(id: $b) { handoffConversations(state: WAITING, first: 100, after: $a) { pageInfo { hasNextPage endCursor } edges { node { id } } } } }`,
      { b: botId, a: after },
      ownerToken,
    );
    ids.push(...page.bot.handoffConversations.edges.map((e) => ({ id: e.node.id })));
    if (!page.bot.handoffConversations.pageInfo.hasNextPage) return ids;
    after = page.bot.handoffConversations.pageInfo.endCursor;
  }
}

/** Runs `send` RATE times a second for SECONDS, without waiting for one to end before the next; resolves when all have. */
async function paced(send: (i: number) => Promise<unknown>): Promise<void> {
  const sends: Promise<unknown>[] = [];
  const start = performance.now();
  for (let i = 0; i < RATE * SECONDS; i++) {
    const due = start + (i * 1000) / RATE - performance.now();
    if (due > 0) await pause(due);
    sends.push(send(i).catch(() => undefined));
  }
  await Promise.all(sends);
}

const publicCall = (query: string, variables: Record<string, unknown>) =>
  fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": apiKey }, body: JSON.stringify({ query, variables }) });

await pause(1000);
measuring.on = true;
const window = { start: now(), end: 0 };
await paced((i) => {
  if (i % 2 === 0) {
    const { conversationId, operator } = held[(i / 2) % held.length]!;
    return gql(
      `mutation($id: ID!, $m: String!) { replyToConversation(id: $id, message: $m) { id } }`,
      { id: conversationId, m: stamp("How can I help?") },
      operator.token,
    );
  }
  const { sessionId } = visitors[((i - 1) / 2) % visitors.length]!;
  return publicCall(`mutation($b: ID!, $s: String, $m: String!) { sendMessage(botId: $b, sessionId: $s, message: $m) { handoffState } }`, {
    b: botId,
    s: sessionId,
    m: stamp("My order has not arrived."),
  });
});
await pause(1000);
window.end = now();
measuring.on = false;
for (const client of [...visitors.map((v) => v.client), ...operatorSockets]) await client.dispose();
server.kill("SIGTERM");
await new Promise((resolve) => server.on("exit", resolve));

// The floor: the same messages through a bare relay, to as many open sockets.
const relay = spawn(process.execPath, ["--import", "tsx", "bench/message-relay.ts"], { stdio: ["ignore", "pipe", "inherit"] });
const relayPort = await new Promise<string>((resolve) => relay.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())));
const relayed: number[] = [];
const relaySockets = await Promise.all(
  Array.from({ length: VISITORS }, (_, i) => {
    const client = new WebSocket(`ws://127.0.0.1:${relayPort}/?id=${i}`);
    client.on("message", (data: Buffer) => relayed.push(age((JSON.parse(data.toString()) as { text: string }).text)));
    return new Promise<WebSocket>((resolve) => client.once("open", () => resolve(client)));
  }),
);
await paced((i) =>
  fetch(`http://127.0.0.1:${relayPort}/send`, { method: "POST", body: JSON.stringify({ to: String(i % VISITORS), text: stamp("How can I help?") }) }),
);
await pause(500);
relaySockets.forEach((client) => client.close());
relay.kill("SIGTERM");

const lag = (JSON.parse(await readFile(lagFile, "utf8")) as [number, number][])
  .filter(([at]) => at >= window.start && at <= window.end)
  .map(([, lagMs]) => lagMs);
const line = (label: string, values: number[]) => `${label}: ${values.length} messages, p50 ${ms(percentile(values, 50))}  p99 ${ms(percentile(values, 99))}`;
console.log(
  `\nLive hand-off: ${VISITORS} open visitor conversations, ${OPERATORS} operators, ${RATE} messages/s for ${SECONDS} s (one Parley process, embedded PGlite, ${os.cpus().length} cores)`,
);
console.log(`  ${line("operator -> visitor (replyToConversation to the visitor's socket)", toVisitor)}`);
console.log(`  ${line("visitor -> operator (sendMessage, held, to the operator's inbox socket)", toOperator)}`);
console.log(`  ${line("the floor: a bare relay (bench/message-relay.ts: HTTP in, websocket out, nothing else), same rate and sockets", relayed)}`);
console.log(
  `  server event-loop lag (sampled in the server every 10 ms): p50 ${ms(percentile(lag, 50))}  p99 ${ms(percentile(lag, 99))}  max ${ms(Math.max(...lag))}   (target p99 <= 20)`,
);
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
