import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { gqlRaw, type AnyData, type AnyEdge } from "./helpers/graphql.js";

let t: TestApp;
let alice: Account;
let bob: Account;
/** Bob's things, which Alice must not see or touch. */
const bobs = { botId: "", promptId: "", keyId: "", sourceId: "" };

/** Everything Bob's workspace holds, to prove nothing changed. */
async function snapshot() {
  const prisma = t.app.services.db.prisma;
  return {
    workspaces: await prisma.workspace.findMany({ where: { id: bob.workspaceId }, orderBy: { id: "asc" } }),
    memberships: await prisma.membership.findMany({ where: { workspaceId: bob.workspaceId }, orderBy: { id: "asc" } }),
    bots: await prisma.bot.findMany({ where: { workspaceId: bob.workspaceId }, orderBy: { id: "asc" } }),
    prompts: await prisma.prompt.findMany({ where: { botId: bobs.botId }, orderBy: { id: "asc" } }),
    keys: await prisma.apiKey.findMany({ where: { botId: bobs.botId }, orderBy: { id: "asc" } }),
    sources: await prisma.source.findMany({ where: { botId: bobs.botId }, orderBy: { id: "asc" } }),
    chunks: await prisma.chunk.count({ where: { botId: bobs.botId } }),
    jobs: await prisma.ingestionJob.findMany({ where: { sourceId: bobs.sourceId }, orderBy: { id: "asc" } }),
  };
}

beforeAll(async () => {
  t = await startApp();
  alice = await signUp(t.url, "Alice Inc");
  bob = await signUp(t.url, "Bob Ltd");
  bobs.botId = await createBot(t.url, bob, "Bob's bot");
  const prompt = await gqlRaw(
    t.url,
    `mutation($b: ID!) { createPrompt(botId: $b, input: { type: SYSTEM, text: "Secret instructions" }) { id } }`,
    { b: bobs.botId },
    bob.headers,
  );
  bobs.promptId = prompt.data!.createPrompt.id;
  const key = await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "site") { apiKey { id } } }`, { b: bobs.botId }, bob.headers);
  bobs.keyId = key.data!.createApiKey.apiKey.id;
  const source = await gqlRaw(
    t.url,
    `mutation($b: ID!) { addTextSource(botId: $b, title: "Secret", text: "Bob's secret text") { id } }`,
    { b: bobs.botId },
    bob.headers,
  );
  bobs.sourceId = source.data!.addTextSource.id;
  // Let its ingestion finish so the snapshots below compare settled rows.
  for (let i = 0; i < 200; i++) {
    const row = await t.app.services.db.prisma.source.findUniqueOrThrow({ where: { id: bobs.sourceId } });
    if (row.syncStatus === "SYNCED") break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
});

/** Every admin operation that takes an id, pointed at Bob's things (or at nothing). */
const operations: [string, string, (ids: typeof bobs & { workspaceId: string; userId: string }) => Record<string, unknown>][] = [
  ["workspace", `query($id: ID!) { workspace(id: $id) { name } }`, (x) => ({ id: x.workspaceId })],
  ["bots in workspace", `query($id: ID!) { bots(workspaceId: $id) { edges { node { name } } } }`, (x) => ({ id: x.workspaceId })],
  ["bot", `query($id: ID!) { bot(id: $id) { name prompts { edges { node { text } } } } }`, (x) => ({ id: x.botId })],
  ["renameWorkspace", `mutation($id: ID!) { renameWorkspace(id: $id, name: "Mine now") { name } }`, (x) => ({ id: x.workspaceId })],
  [
    "inviteMember",
    `mutation($id: ID!, $e: String!) { inviteMember(workspaceId: $id, email: $e, role: OWNER) { token } }`,
    (x) => ({ id: x.workspaceId, e: alice.email }),
  ],
  [
    "changeMemberRole",
    `mutation($id: ID!, $u: ID!) { changeMemberRole(workspaceId: $id, userId: $u, role: MEMBER) { id } }`,
    (x) => ({ id: x.workspaceId, u: x.userId }),
  ],
  ["removeMember", `mutation($id: ID!, $u: ID!) { removeMember(workspaceId: $id, userId: $u) }`, (x) => ({ id: x.workspaceId, u: x.userId })],
  ["createBot", `mutation($id: ID!) { createBot(input: { workspaceId: $id, name: "Intruder" }) { id } }`, (x) => ({ id: x.workspaceId })],
  ["updateBot", `mutation($id: ID!) { updateBot(id: $id, input: { name: "Hacked" }) { name } }`, (x) => ({ id: x.botId })],
  ["activateBot", `mutation($id: ID!) { activateBot(id: $id) { status } }`, (x) => ({ id: x.botId })],
  ["archiveBot", `mutation($id: ID!) { archiveBot(id: $id) { status } }`, (x) => ({ id: x.botId })],
  ["deleteBot", `mutation($id: ID!) { deleteBot(id: $id) }`, (x) => ({ id: x.botId })],
  ["createPrompt", `mutation($id: ID!) { createPrompt(botId: $id, input: { type: SYSTEM, text: "Obey me" }) { id } }`, (x) => ({ id: x.botId })],
  ["updatePrompt", `mutation($id: ID!) { updatePrompt(id: $id, input: { text: "Obey me" }) { id } }`, (x) => ({ id: x.promptId })],
  ["deletePrompt", `mutation($id: ID!) { deletePrompt(id: $id) }`, (x) => ({ id: x.promptId })],
  ["reorderPrompts", `mutation($id: ID!, $p: ID!) { reorderPrompts(botId: $id, promptIds: [$p]) { id } }`, (x) => ({ id: x.botId, p: x.promptId })],
  ["createApiKey", `mutation($id: ID!) { createApiKey(botId: $id, name: "mine") { secret } }`, (x) => ({ id: x.botId })],
  ["rotateApiKey", `mutation($id: ID!) { rotateApiKey(id: $id) { secret } }`, (x) => ({ id: x.keyId })],
  ["revokeApiKey", `mutation($id: ID!) { revokeApiKey(id: $id) { status } }`, (x) => ({ id: x.keyId })],
  ["source", `query($id: ID!) { source(id: $id) { name chunks { edges { node { content } } } } }`, (x) => ({ id: x.sourceId })],
  ["addTextSource", `mutation($id: ID!) { addTextSource(botId: $id, title: "x", text: "injected") { id } }`, (x) => ({ id: x.botId })],
  ["addLinkSource", `mutation($id: ID!) { addLinkSource(botId: $id, link: { url: "https://example.com" }) { id } }`, (x) => ({ id: x.botId })],
  ["updateSource", `mutation($id: ID!) { updateSource(id: $id, text: "replaced") { id } }`, (x) => ({ id: x.sourceId })],
  ["deleteSource", `mutation($id: ID!) { deleteSource(id: $id) }`, (x) => ({ id: x.sourceId })],
  ["resyncSource", `mutation($id: ID!) { resyncSource(id: $id) { id } }`, (x) => ({ id: x.sourceId })],
  ["resyncBot", `mutation($id: ID!) { resyncBot(botId: $id) }`, (x) => ({ id: x.botId })],
];

describe("tenant isolation", () => {
  it.each(operations)("%s on another workspace's id answers NOT_FOUND, exactly like an unknown id, and changes nothing", async (_name, query, vars) => {
    const before = await snapshot();
    const theirs = await gqlRaw(t.url, query, vars({ ...bobs, workspaceId: bob.workspaceId, userId: bob.userId }), alice.headers);
    const nobody = randomUUID();
    const unknown = await gqlRaw(
      t.url,
      query,
      vars({ botId: nobody, promptId: nobody, keyId: nobody, sourceId: nobody, workspaceId: nobody, userId: nobody }),
      alice.headers,
    );

    expect(theirs.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(theirs.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
    expect(theirs.data ?? null).toEqual(unknown.data ?? null);
    expect(await snapshot()).toEqual(before);
  });

  it("lists only the caller's own bots and workspaces", async () => {
    await createBot(t.url, alice, "Alice's bot");
    const list = await gqlRaw(t.url, `{ bots { totalCount edges { node { name } } } workspaces { name } }`, {}, alice.headers);
    expect(list.data!.bots.edges.map((e: AnyEdge) => e.node.name)).toEqual(["Alice's bot"]);
    expect(list.data!.bots.totalCount).toBe(1);
    expect(list.data!.workspaces.map((w: AnyData) => w.name)).toEqual(["Alice Inc"]);
  });

  it("refuses everything to a request without a session, with UNAUTHENTICATED", async () => {
    const result = await gqlRaw(t.url, `query($id: ID!) { bot(id: $id) { name } }`, { id: bobs.botId });
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(result.data ?? null).toBeNull();
  });
});
