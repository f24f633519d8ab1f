import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { isNonNullType, type GraphQLArgument, type GraphQLField, type GraphQLObjectType } from "graphql";
import { schema } from "../src/schema/index.js";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { gqlRaw, type AnyData } from "./helpers/graphql.js";
import { enumValue, firstEnumValue, walkSchema, type WalkedPath } from "./helpers/schema-walk.js";
import { waitForSource } from "./helpers/sources.js";

/**
 * The tenant boundary, walked from the schema: an attacker who shares one
 * workspace with a victim follows every path from every root field to every
 * type that holds a workspace's data, and none of the victim's other
 * workspace comes back. The walk is generated, so a field added tomorrow is
 * walked too.
 */

/** The types that hold a workspace's data (every other object type is a value inside one, or public). */
const OWNED = new Set([
  "Workspace",
  "Membership",
  "Invitation",
  "User",
  "Bot",
  "Source",
  "Chunk",
  "Prompt",
  "ApiKey",
  "ChatSession",
  "Message",
  "Correction",
  "GapTopic",
  "GapQuestion",
  "Check",
  "CheckRun",
  "CheckResult",
]);

let t: TestApp;
let attacker: Account;
let victim: Account;

interface Tenant {
  workspaceId: string;
  botId: string;
  sourceId: string;
  keyId: string;
  sessionId: string;
  /** The conversation's public id, as its visitor holds it. */
  publicSessionId: string;
  secret: string;
  /** A pending invitation's token and who it is for. */
  invitationToken: string;
  invitee: string;
  /** A gaps inbox topic. */
  gapId: string;
}
let mine: Tenant;
let theirs: Tenant;
/** Strings only the victim's workspace holds (its chunks carry the secret in their text): none may reach the attacker. */
let markers: string[];

async function call(account: Account, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = account.headers) {
  const result = await gqlRaw(t.url, query, variables, headers);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

/** A workspace with one of everything: a bot, a prompt, a key, a synced source, a conversation and a public call. */
async function populate(account: Account, label: string): Promise<Tenant> {
  const secret = `${label}-${randomUUID()}`;
  await call(account, `mutation($id: ID!, $n: String!) { renameWorkspace(id: $id, name: $n) { id } }`, { id: account.workspaceId, n: `${secret} workspace` });
  const botId = await createBot(t.url, account, `${secret} bot`);
  await call(account, `mutation($b: ID!, $t: String!) { createPrompt(botId: $b, input: { type: SYSTEM, text: $t }) { id } }`, {
    b: botId,
    t: `${secret} system prompt`,
  });
  const key = await call(account, `mutation($b: ID!, $n: String!) { createApiKey(botId: $b, name: $n) { secret apiKey { id } } }`, {
    b: botId,
    n: `${secret} key`,
  });
  const source = await call(account, `mutation($b: ID!, $t: String!, $x: String!) { addTextSource(botId: $b, title: $t, text: $x) { id } }`, {
    b: botId,
    t: `${secret} source`,
    x: `The ${secret} warehouse opens at nine. Returns are accepted for thirty days.`,
  });
  await waitForSource(t, source.addTextSource.id);
  await call(account, `mutation($b: ID!) { activateBot(id: $b) { id } }`, { b: botId });
  await call(account, `mutation($b: ID!, $q: String!) { createCorrection(botId: $b, input: { question: $q, answer: "Nine." }) { id } }`, {
    b: botId,
    q: `When does the ${secret} warehouse open on Sundays?`,
  });
  const reply = await call(account, `mutation($b: ID!, $m: String!) { sendMessage(botId: $b, message: $m) { sessionId } }`, {
    b: botId,
    m: `When does the ${secret} warehouse open?`,
  });
  await call(account, `{ publicBot { id } }`, {}, { "x-api-key": key.createApiKey.secret });
  // A saved check, run once: its run and its result are the workspace's too.
  await call(account, `mutation($b: ID!, $q: String!) { createCheck(botId: $b, input: { question: $q, mustContain: ["nine"] }) { id } }`, {
    b: botId,
    q: `When does the ${secret} warehouse open?`,
  });
  await call(account, `mutation($b: ID!) { runChecks(botId: $b) { id } }`, { b: botId });
  await t.app.services.checks.settled();
  // A question its sources do not answer, its answer rated down: it goes to the gaps inbox (beside the
  // answer, so wait for it). Rated down, because the secret's random letters and digits are words the
  // source holds, and now and then the gate answers it (then only the rating brings it to the inbox).
  const missed = await call(account, `mutation($b: ID!, $m: String!) { sendMessage(botId: $b, message: $m) { message { id } } }`, {
    b: botId,
    m: `Do you sell ${secret} gift cards?`,
  });
  await call(account, `mutation($m: ID!) { rateMessage(messageId: $m, rating: DOWN) { id } }`, { m: missed.sendMessage.message.id });
  for (let i = 0; i < 800 && !(await t.app.services.db.prisma.gapQuestion.count({ where: { topic: { botId } } })); i++)
    await new Promise((r) => setTimeout(r, 25));
  const session = await t.app.services.db.prisma.chatSession.findFirstOrThrow({ where: { publicId: reply.sendMessage.sessionId } });
  const invitee = `${label.toLowerCase()}-invitee-${randomUUID()}@example.com`;
  const invited = await call(account, `mutation($w: ID!, $e: String!) { inviteMember(workspaceId: $w, email: $e, role: ADMIN) { token } }`, {
    w: account.workspaceId,
    e: invitee,
  });
  return {
    workspaceId: account.workspaceId,
    botId,
    sourceId: source.addTextSource.id,
    keyId: key.createApiKey.apiKey.id,
    sessionId: session.id,
    publicSessionId: session.publicId,
    secret,
    invitationToken: invited.inviteMember.token,
    invitee,
    gapId: (await t.app.services.db.prisma.gapTopic.findFirstOrThrow({ where: { botId } })).id,
  };
}

/**
 * The values the walk tries for each argument: the attacker's own ids at the
 * root (the victim's are tried there once, by `foreignRoots`), and both
 * tenants' ids below it.
 */
function argValues(root: "mine" | "theirs") {
  return (on: GraphQLObjectType, field: GraphQLField<unknown, unknown>, arg: GraphQLArgument): unknown[] | undefined => {
    const atRoot = on === schema.getQueryType();
    const pick = (of: (x: Tenant) => string) => (atRoot ? [of(root === "mine" ? mine : theirs)] : [of(mine), of(theirs)]);
    const ids: Record<string, () => unknown[]> = {
      "bot.id": () => pick((x) => x.botId),
      "workspace.id": () => pick((x) => x.workspaceId),
      "source.id": () => pick((x) => x.sourceId),
      "session.id": () => pick((x) => x.sessionId),
      "gap.id": () => pick((x) => x.gapId),
      "publicConversation.botId": () => pick((x) => x.botId),
      // Both tenants' conversations, under the attacker's own bot: another bot's session is as unknown as a made-up one.
      "publicConversation.sessionId": () => [mine.publicSessionId, theirs.publicSessionId],
      workspaceId: () => pick((x) => x.workspaceId),
      // An invitation's token is its holder's secret: the attacker holds only their own.
      "invitation.token": () => [mine.invitationToken],
      apiKeyId: () => pick((x) => x.keyId),
      from: () => [new Date(Date.now() - 86_400_000).toISOString()],
      to: () => [new Date(Date.now() + 3_600_000).toISOString()],
    };
    const choose = ids[`${field.name}.${arg.name}`] ?? ids[arg.name];
    if (choose) return choose();
    const value = firstEnumValue(arg);
    return value && isNonNullType(arg.type) ? [value] : undefined;
  };
}

const queryRoots = () => Object.keys(schema.getQueryType()!.getFields()).map((field) => ({ type: schema.getQueryType()!, field }));

/**
 * Every path from every root field (and from what the member mutations
 * answer) that uses no field twice and meets no kind of object twice, but
 * for the person, membership and workspace it crosses into another
 * workspace by: through a shared person into their other workspaces and on
 * to everything in them.
 */
function walk(): WalkedPath[] {
  const mutation = schema.getMutationType()!;
  return walkSchema(schema, {
    owned: OWNED,
    argValues: argValues("mine"),
    // Deeper than the longest way in: a workspace's member, their other workspace, its bot, a source, its chunks (16 fields).
    maxDepth: 20,
    maxRepeats: 1,
    // A path may cross into another workspace through a shared person and back out, but not wind through one kind of object twice.
    maxTypeVisits: { User: 2, Membership: 2, Workspace: 2 },
    roots: [
      ...queryRoots(),
      // Mutations answer with objects too: walk on from what they return.
      { type: mutation, field: "changeMemberRole", args: [{ workspaceId: mine.workspaceId, userId: victim.userId, role: enumValue("MEMBER") }] },
      { type: mutation, field: "renameWorkspace", args: [{ id: mine.workspaceId, name: `${mine.secret} workspace` }] },
      { type: mutation, field: "updateBot", args: [{ id: mine.botId, input: {} }] },
    ],
  });
}

/** Every root field asked directly for the victim's ids. */
function foreignRoots(): WalkedPath[] {
  return walkSchema(schema, { owned: OWNED, argValues: argValues("theirs"), maxDepth: 1, roots: queryRoots() });
}

/** Paths asked together, each under an alias of its own (`p0`, `p1`…): one request, and one round of each loader, for many. */
const PATHS_PER_DOCUMENT = 16;

interface Document {
  paths: WalkedPath[];
  query: string;
}

/** The paths grouped by operation into documents of up to `size` aliased root fields. */
function documents(paths: readonly WalkedPath[], size = PATHS_PER_DOCUMENT): Document[] {
  const byOperation = new Map<string, WalkedPath[]>();
  for (const path of paths) {
    const operation = path.query.slice(0, path.query.indexOf(" {"));
    const group = byOperation.get(operation);
    if (group) group.push(path);
    else byOperation.set(operation, [path]);
  }
  return [...byOperation].flatMap(([operation, group]) =>
    Array.from({ length: Math.ceil(group.length / size) }, (_, i) => {
      const batch = group.slice(i * size, (i + 1) * size);
      // A path's document is `operation { field… }`: its root field goes, aliased, into the shared one.
      const fields = batch.map((path, k) => `p${k}: ${path.query.slice(operation.length + 3, -2)}`);
      return { paths: batch, query: `${operation} { ${fields.join(" ")} }` };
    }),
  );
}

/** Through Yoga in-process: the whole GraphQL pipeline, without a socket per request. */
async function ask(query: string, account: Account): Promise<AnyData> {
  const response = await t.app.yoga.fetch(`${t.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...account.headers },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBeLessThan(500);
  return (await response.json()) as AnyData;
}

/**
 * Runs the paths as `account`; returns the leaks found (by path) and how many paths answered with data.
 * Paths go many to a document, shortest first. A refused field under a non-null root nulls the whole
 * document's data, every alias beside it too: such a document is asked again in halves until every path
 * is read, and the paths below one that answered nothing alone are asked alone from the start.
 */
async function run(paths: readonly WalkedPath[], account: Account): Promise<{ leaked: string[]; answered: number }> {
  const leaked: string[] = [];
  const refused = new Set<string>();
  let answered = 0;
  const read = async ({ paths: batch, query }: Document): Promise<void> => {
    const result = await ask(query, account);
    if (!result.data && batch.length > 1) {
      // Halves, until the paths that null it are alone.
      for (const half of documents(batch, Math.ceil(batch.length / 2))) await read(half);
      return;
    }
    if (!result.data) refused.add(batch[0]!.name);
    batch.forEach((path, k) => {
      const alias = `p${k}`;
      const data = (result.data as AnyData | null)?.[alias];
      if (data) answered++;
      // The errors at this path's alias, and those at none (the whole document's).
      const errors = (result.errors as AnyData[] | undefined)?.filter((error) => !error.path || error.path[0] === alias);
      const found = leaks({ data, errors });
      if (found.length) leaked.push(`${path.name}: ${found.join(", ")}`);
    });
  };
  const depths = [...new Set(paths.map(steps))].sort((a, b) => a - b);
  for (const depth of depths) {
    const level = paths.filter((path) => steps(path) === depth);
    const below = (path: WalkedPath) => [...refused].some((name) => path.name.startsWith(`${name} > `));
    const queue = [...documents(level.filter((path) => !below(path))), ...documents(level.filter(below), 1)];
    for (let i = 0; i < queue.length; i += 2) await Promise.all(queue.slice(i, i + 2).map(read));
  }
  return { leaked, answered };
}

const steps = (path: WalkedPath) => path.name.split(" > ").length;

function leaks(result: AnyData): string[] {
  const text = JSON.stringify(result);
  return markers.filter((marker) => text.includes(marker));
}

beforeAll(async () => {
  // The walk's documents are long and deep on purpose; the limits are tested elsewhere.
  t = await startApp({ MAX_QUERY_DEPTH: "60", MAX_QUERY_COST: "10000000", MAX_QUERY_TOKENS: "100000", AUTH_SIGNUPS_PER_IP_PER_HOUR: "100" });
  attacker = await signUp(t.url, "Attacker");
  victim = await signUp(t.url, "Victim");
  const colleague = await signUp(t.url, "Colleague");
  mine = await populate(attacker, "ATTACKER");
  theirs = await populate(victim, "VICTIM");
  const prisma = t.app.services.db.prisma;
  // The victim's colleague works in the victim's workspace; the victim also belongs to the attacker's (an invitation they accepted).
  await prisma.membership.create({ data: { workspaceId: victim.workspaceId, userId: colleague.userId, role: "ADMIN" } });
  await prisma.membership.create({ data: { workspaceId: attacker.workspaceId, userId: victim.userId, role: "MEMBER" } });
  const messages = await prisma.message.findMany({ where: { sessionId: theirs.sessionId }, select: { id: true } });
  markers = [
    theirs.secret,
    theirs.workspaceId,
    theirs.botId,
    theirs.sourceId,
    theirs.keyId,
    theirs.sessionId,
    colleague.userId,
    colleague.email,
    theirs.invitee,
    ...messages.map((m) => m.id),
  ];
}, 120_000);

describe("the tenant boundary, walked from the schema", () => {
  it("gives the attacker none of the victim's other workspace on any path from any root field", async () => {
    const paths = walk();
    expect(paths.length).toBeGreaterThan(300);
    const { leaked, answered } = await run(paths, attacker);
    expect(leaked).toEqual([]);
    // The walk reached the attacker's own data: it was not refused wholesale.
    expect(answered).toBeGreaterThan(paths.length / 4);
  }, 180_000); // ~2,000 paths: ~20 s alone, twice that beside the checks and another test file on two cores

  it("gives nothing when any root field is asked for the victim's ids", async () => {
    const paths = foreignRoots();
    expect(paths.length).toBeGreaterThanOrEqual(4);
    const { leaked } = await run(paths, attacker);
    expect(leaked).toEqual([]);
  });

  it("finds the victim's data on those same paths when the victim walks them (the walk can see a leak)", async () => {
    const pivots = walk().filter((path) => /^Query\.me > User\.memberships > Membership\.workspace > Workspace\.bots/.test(path.name));
    const { leaked } = await run(pivots, victim);
    expect(leaked.length).toBeGreaterThan(10);
  });

  it("refuses a co-member's memberships and reads their name and email only", async () => {
    const result = await gqlRaw(
      t.url,
      `query($id: ID!) { workspace(id: $id) { members { edges { node { user { id email memberships { workspace { id name } } } } } } } }`,
      { id: attacker.workspaceId },
      attacker.headers,
    );
    expect(result.errors?.map((e) => e.extensions?.code)).toContain("FORBIDDEN");
    expect(leaks(result)).toEqual([]);
    const plain = await gqlRaw(
      t.url,
      `query($id: ID!) { workspace(id: $id) { members { edges { node { user { email } } } } } }`,
      { id: attacker.workspaceId },
      attacker.headers,
    );
    expect(plain.data!.workspace.members.edges.map((e: AnyData) => e.node.user.email).sort()).toEqual([attacker.email, victim.email].sort());
  });

  it("lets signUp and logIn read their own answer as the new user", async () => {
    const email = `new-${randomUUID()}@example.com`;
    const result = await gqlRaw(
      t.url,
      `mutation($e: String!) { signUp(email: $e, password: "correct horse battery", workspaceName: "Fresh") { user { email memberships { role } } workspace { name viewerRole } } }`,
      { e: email },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.signUp).toEqual({ user: { email, memberships: [{ role: "OWNER" }] }, workspace: { name: "Fresh", viewerRole: "OWNER" } });
  });
});
