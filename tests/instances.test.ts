import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { print } from "graphql";
import pg from "pg";
import type { Client } from "graphql-ws";
import { graphql } from "./gql/index.js";
import { createBot, invite, signUp, type Account } from "./helpers/admin.js";
import { startPostgresServer } from "./helpers/db.js";
import { gqlRaw, wsClient } from "./helpers/graphql.js";
import { COMPILED, logLines, startProcess, type ServerProcess } from "./helpers/process.js";
import { startRedis } from "./helpers/redis.js";
import { serveSite } from "./helpers/site.js";

/*
 * Two Parley processes on one database and one Redis, as behind a load
 * balancer, running the compiled JavaScript the Docker image runs.
 *
 * The database is PGlite behind its socket server: the real wire protocol and
 * several connections, but one backend that runs one connection's batch or
 * transaction at a time (tests/helpers/batch-queue.ts). So this proves that
 * the instances share state, events and the queues through PostgreSQL and
 * Redis, that a job runs once and that one of two simultaneous claims wins;
 * it does not prove how they behave under true concurrency (row locks and
 * SKIP LOCKED between backends), which only a real PostgreSQL shows.
 */

const SourceEvents = graphql(`
  subscription InstanceSourceEvents($botId: ID!) {
    sourceEvents(botId: $botId) {
      sourceId
      status
    }
  }
`);

const SOURCES = 6;

beforeAll(async () => {
  // `npm run build`'s emit, without its type check (11 s of CPU against 3.5): the checks beside the tests type-check the same program.
  await promisify(execFile)("npx", ["tsc", "-p", "tsconfig.build.json", "--noCheck"]);
}, 120_000);

/**
 * Scheduled syncs due while both instances were stopped: started at the same
 * moment, each looks for due runs at once, and between them every due link is
 * queued and read exactly once (the claim is a row lock in the transaction
 * that moves the link's next run on).
 */
async function scheduledAcross({
  a,
  b,
  env,
  databaseUrl,
  admin,
  botId,
}: {
  a: ServerProcess;
  b: ServerProcess;
  env: Record<string, string>;
  databaseUrl: string;
  admin: Account;
  botId: string;
}) {
  const LINKS = 4;
  const site = await serveSite(
    Object.fromEntries(Array.from({ length: LINKS }, (_, i) => [`/page${i}`, `<html><body><p>Page ${i} of the shop.</p></body></html>`])),
  );
  const ids: string[] = [];
  for (let i = 0; i < LINKS; i++) {
    const added = await gqlRaw(
      a.url,
      `mutation($b: ID!, $u: String!) { addLinkSource(botId: $b, link: { url: $u, schedule: "daily" }) { id } }`,
      { b: botId, u: `${site.origin}/page${i}` },
      admin.headers,
    );
    ids.push(added.data!.addLinkSource.id as string);
  }
  const synced = async (instance: ServerProcess, after: Date) => {
    for (let i = 0; i < 400; i++) {
      const { data } = await gqlRaw(
        instance.url,
        `query($b: ID!) { bot(id: $b) { sources(first: 50) { edges { node { id kind syncStatus lastSyncedAt } } } } }`,
        { b: botId },
        admin.headers,
      );
      const links = data!.bot.sources.edges
        .map((e: { node: { kind: string; syncStatus: string; lastSyncedAt: string | null } }) => e.node)
        .filter((n: { kind: string }) => n.kind === "LINK");
      if (
        links.every((n: { syncStatus: string; lastSyncedAt: string | null }) => n.syncStatus === "SYNCED" && n.lastSyncedAt && new Date(n.lastSyncedAt) > after)
      )
        return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("the links were not read again");
  };
  await synced(a, new Date(0));
  for (const instance of [a, b]) instance.child.kill("SIGTERM");
  expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);

  // Due an hour ago, while both were stopped.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`UPDATE sources SET next_sync_at = now() - interval '1 hour' WHERE id = ANY($1::uuid[])`, [ids]);
  await client.end();
  const stoppedAt = new Date();
  const hits = site.hits.length;
  const [c, d] = await Promise.all([startProcess(env, COMPILED), startProcess(env, COMPILED)]);
  await synced(c, stoppedAt);
  await new Promise((resolve) => setTimeout(resolve, 500));
  // Each page read once more, by one of the two; each run queued once between them.
  expect(site.hits.slice(hits).sort()).toEqual(Array.from({ length: LINKS }, (_, i) => `/page${i}`));
  const queued = [...logLines(c, "scheduled syncs queued"), ...logLines(d, "scheduled syncs queued")].reduce((sum, line) => sum + Number(line.count), 0);
  expect(queued).toBe(LINKS);
  for (const instance of [c, d]) instance.child.kill("SIGTERM");
  expect(await Promise.all([c.exited, d.exited])).toEqual([0, 0]);
}

/** Resolves with the ids of the sources an admin heard become SYNCED, once there are `count`. */
function followSynced(client: Client, botId: string, count: number): Promise<Set<string>> {
  const synced = new Set<string>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`heard ${synced.size} of ${count} sources become SYNCED`)), 45_000);
    client.subscribe(
      { query: print(SourceEvents), variables: { botId } },
      {
        next: ({ data, errors }) => {
          if (errors) return reject(new Error(errors[0]!.message));
          const event = (data as { sourceEvents: { sourceId: string; status: string } }).sourceEvents;
          if (event.status === "SYNCED") synced.add(event.sourceId);
          if (synced.size === count) {
            clearTimeout(timer);
            resolve(synced);
          }
        },
        error: reject,
        complete: () => {},
      },
    );
  });
}

/** Which sources an instance ingested, from its log. */
const ingestedBy = (instance: ServerProcess) => logLines(instance, "source ingested").map((line) => line.sourceId as string);

/** The id of the operator a visitor, subscribed through `instance`, hears join their conversation. */
function heardJoin(instance: ServerProcess, apiKey: string, botId: string, sessionId: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const dispose = wsClient(instance.url, { apiKey }).subscribe(
      {
        query: `subscription($b: ID!, $s: String!) { conversationEvents(botId: $b, sessionId: $s) { __typename ... on HandoffJoined { operatorId } } }`,
        variables: { b: botId, s: sessionId },
      },
      {
        next: ({ data }) => {
          const event = (data as { conversationEvents: { __typename: string; operatorId?: string } }).conversationEvents;
          if (event.__typename !== "HandoffJoined") return;
          dispose();
          resolve(event.operatorId!);
        },
        error: reject,
        complete: () => {},
      },
    );
  });
}

/**
 * Live hand-off over the two processes: visitors wait on one, two operators
 * claim each conversation at the same moment, one through each process;
 * exactly one claim wins, and the visitor, connected to the other process,
 * hears the person join.
 */
async function handoffAcross(a: ServerProcess, b: ServerProcess, admin: Account, botId: string) {
  const call = async (instance: ServerProcess, query: string, variables: Record<string, unknown>, headers: Record<string, string>) => {
    const result = await gqlRaw(instance.url, query, variables, headers);
    expect(result.errors).toBeUndefined();
    return result;
  };
  const attempt = (instance: ServerProcess, query: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
    gqlRaw(instance.url, query, variables, headers);
  const second = await signUp(a.url, "Elsewhere");
  await invite(a.url, admin, second, "MEMBER");
  await call(a, `mutation($b: ID!) { updateBot(id: $b, input: { settings: { handoff: ALWAYS } }) { id } }`, { b: botId }, admin.headers);
  await call(a, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, admin.headers);
  await call(
    a,
    `mutation($b: ID!, $u: [ID!]!) { setBotOperators(botId: $b, userIds: $u) { id } }`,
    { b: botId, u: [admin.userId, second.userId] },
    admin.headers,
  );
  for (const operator of [admin, second]) await call(a, `mutation { setPresence(presence: ONLINE) { presence } }`, {}, operator.headers);
  const key = await call(a, `mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret } }`, { b: botId }, admin.headers);
  const visitor = { "x-api-key": key.data!.createApiKey.secret as string };

  for (let i = 0; i < 3; i++) {
    const asked = await call(a, `mutation($b: ID!) { requestPerson(botId: $b) { sessionId state } }`, { b: botId }, visitor);
    expect(asked.data!.requestPerson.state).toBe("WAITING");
    const sessionId = asked.data!.requestPerson.sessionId as string;
    const joined = heardJoin(b, visitor["x-api-key"], botId, sessionId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const queue = await call(
      a,
      `query($b: ID!) { bot(id: $b) { handoffConversations(state: WAITING, first: 1) { edges { node { id } } } } }`,
      { b: botId },
      admin.headers,
    );
    const id = queue.data!.bot.handoffConversations.edges[0].node.id as string;
    const claim = `mutation($id: ID!) { claimConversation(id: $id) { id } }`;
    const [byAdmin, bySecond] = await Promise.all([attempt(a, claim, { id }, admin.headers), attempt(b, claim, { id }, second.headers)]);
    const codes = [byAdmin, bySecond].map((result) => (result.errors ? `${result.errors[0]!.extensions?.code}: ${result.errors[0]!.message}` : "OK"));
    expect([...codes].sort()).toEqual(["CONFLICT: Another operator has claimed this conversation.", "OK"]);
    // The visitor, on the other process, hears the winner join.
    expect(await joined).toBe(byAdmin.errors ? second.userId : admin.userId);
  }
}

describe("several instances", () => {
  it("behave as one: an admin on either hears every job, whichever instance ran it, and no job runs twice; of two operators claiming a visitor on both at once, one wins; links due while both were stopped are read once between them", async () => {
    const postgres = await startPostgresServer({ maxConnections: 8 });
    const redis = await startRedis();
    const env = {
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      DATABASE_POOL_SIZE: "3",
      INGESTION_WORKERS: "2",
      INGESTION_WORKERS_PER_WORKSPACE: "2",
      LOG_LEVEL: "info",
      ALLOW_PRIVATE_URLS: "true",
    };
    // One after the other: the second finds the migrations applied.
    const a = await startProcess(env, COMPILED);
    const b = await startProcess(env, COMPILED);

    const admin = await signUp(a.url);
    const botId = await createBot(b.url, admin);
    const hearing = [a, b].map((instance) => followSynced(wsClient(instance.url, { authorization: `Bearer ${admin.token}` }), botId, SOURCES));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const added: string[] = [];
    for (let i = 0; i < SOURCES; i++) {
      const via = i % 2 ? b : a;
      const text = Array.from({ length: 40 }, (_, n) => `Fact ${n} of source ${i}: lamps number ${i * 100 + n}.`).join(" ");
      const result = await gqlRaw(
        via.url,
        `mutation($b: ID!, $t: String!, $x: String!) { addTextSource(botId: $b, title: $t, text: $x) { id } }`,
        { b: botId, t: `Source ${i}`, x: text },
        admin.headers,
      );
      expect(result.errors).toBeUndefined();
      added.push(result.data!.addTextSource.id as string);
    }

    const [heardOnA, heardOnB] = await Promise.all(hearing);
    expect([...heardOnA!].sort()).toEqual([...added].sort());
    expect([...heardOnB!].sort()).toEqual([...added].sort());
    // Each job ran on exactly one instance: so each admin heard the other instance's jobs too.
    const runs = [...ingestedBy(a), ...ingestedBy(b)];
    expect(runs.sort()).toEqual([...added].sort());

    // Both read the same data, whichever serves the request.
    const query = `query($b: ID!) { bot(id: $b) { sources(first: 20) { edges { node { id syncStatus } } } } }`;
    for (const instance of [a, b]) {
      const listed = await gqlRaw(instance.url, query, { b: botId }, admin.headers);
      const nodes = listed.data!.bot.sources.edges.map((e: { node: { id: string; syncStatus: string } }) => e.node);
      expect(nodes).toHaveLength(SOURCES);
      expect(nodes.every((n: { syncStatus: string }) => n.syncStatus === "SYNCED")).toBe(true);
    }

    await handoffAcross(a, b, admin, botId);
    await scheduledAcross({ a, b, env, databaseUrl: postgres.url, admin, botId });
  }, 150_000);
});
