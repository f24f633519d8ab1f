import { beforeAll, describe, expect, it } from "@jest/globals";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";

let t: TestApp;
let owner: Account;
let admin: Account;
let member: Account;
const ids = { botId: "", promptId: "", keyId: "" };

async function join(account: Account, role: "ADMIN" | "MEMBER") {
  const result = await gqlRaw(
    t.url,
    `mutation($w: ID!, $e: String!, $r: Role!) { addMember(workspaceId: $w, email: $e, role: $r) { role user { email } } }`,
    { w: owner.workspaceId, e: account.email.toUpperCase(), r: role },
    owner.headers,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data!.addMember).toEqual({ role, user: { email: account.email } });
}

beforeAll(async () => {
  t = await startApp();
  owner = await signUp(t.url, "Owned");
  admin = await signUp(t.url, "Admin's own");
  member = await signUp(t.url, "Member's own");
  await join(admin, "ADMIN");
  await join(member, "MEMBER");
  ids.botId = await createBot(t.url, owner);
  ids.promptId = (
    await gqlRaw(t.url, `mutation($b: ID!) { createPrompt(botId: $b, input: { type: SYSTEM, text: "Be kind." }) { id } }`, { b: ids.botId }, owner.headers)
  ).data!.createPrompt.id;
  ids.keyId = (
    await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "k") { apiKey { id } } }`, { b: ids.botId }, owner.headers)
  ).data!.createApiKey.apiKey.id;
});

const changes: [string, string, () => Record<string, unknown>][] = [
  ["createBot", `mutation($w: ID!) { createBot(input: { workspaceId: $w, name: "x" }) { id } }`, () => ({ w: owner.workspaceId })],
  ["updateBot", `mutation($id: ID!) { updateBot(id: $id, input: { name: "x" }) { id } }`, () => ({ id: ids.botId })],
  ["activateBot", `mutation($id: ID!) { activateBot(id: $id) { id } }`, () => ({ id: ids.botId })],
  ["archiveBot", `mutation($id: ID!) { archiveBot(id: $id) { id } }`, () => ({ id: ids.botId })],
  ["deleteBot", `mutation($id: ID!) { deleteBot(id: $id) }`, () => ({ id: ids.botId })],
  ["createPrompt", `mutation($id: ID!) { createPrompt(botId: $id, input: { type: SYSTEM, text: "x" }) { id } }`, () => ({ id: ids.botId })],
  ["updatePrompt", `mutation($id: ID!) { updatePrompt(id: $id, input: { text: "x" }) { id } }`, () => ({ id: ids.promptId })],
  ["deletePrompt", `mutation($id: ID!) { deletePrompt(id: $id) }`, () => ({ id: ids.promptId })],
  ["reorderPrompts", `mutation($id: ID!, $p: ID!) { reorderPrompts(botId: $id, promptIds: [$p]) { id } }`, () => ({ id: ids.botId, p: ids.promptId })],
  ["createApiKey", `mutation($id: ID!) { createApiKey(botId: $id, name: "x") { secret } }`, () => ({ id: ids.botId })],
  ["rotateApiKey", `mutation($id: ID!) { rotateApiKey(id: $id) { secret } }`, () => ({ id: ids.keyId })],
  ["revokeApiKey", `mutation($id: ID!) { revokeApiKey(id: $id) { status } }`, () => ({ id: ids.keyId })],
  ["renameWorkspace", `mutation($w: ID!) { renameWorkspace(id: $w, name: "x") { id } }`, () => ({ w: owner.workspaceId })],
  [
    "addMember",
    `mutation($w: ID!, $e: String!) { addMember(workspaceId: $w, email: $e, role: OWNER) { id } }`,
    () => ({ w: owner.workspaceId, e: member.email }),
  ],
  ["removeMember", `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`, () => ({ w: owner.workspaceId, u: owner.userId })],
];

describe("roles", () => {
  it.each(changes)("a member cannot %s: FORBIDDEN, nothing changes", async (_name, query, vars) => {
    const before = await t.app.services.db.prisma.bot.findMany({ include: { prompts: true, apiKeys: true, workspace: { include: { memberships: true } } } });
    const result = await gqlRaw(t.url, query, vars(), member.headers);
    expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(result.errors?.[0]?.message).toMatch(/needs the (admin|owner) role/);
    const after = await t.app.services.db.prisma.bot.findMany({ include: { prompts: true, apiKeys: true, workspace: { include: { memberships: true } } } });
    expect(after).toEqual(before);
  });

  it("a member can read the workspace's bots", async () => {
    const result = await gqlRaw(
      t.url,
      `query($id: ID!) { bot(id: $id) { name prompts { totalCount } } workspace(id: "${owner.workspaceId}") { viewerRole } }`,
      { id: ids.botId },
      member.headers,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ bot: { name: "Helpdesk", prompts: { totalCount: 1 } }, workspace: { viewerRole: "MEMBER" } });
  });

  it("an admin can change bots but not members", async () => {
    const update = await gqlRaw(
      t.url,
      `mutation($id: ID!) { updateBot(id: $id, input: { description: "by admin" }) { description } }`,
      { id: ids.botId },
      admin.headers,
    );
    expect(update.data!.updateBot.description).toBe("by admin");
    const add = await gqlRaw(
      t.url,
      `mutation($w: ID!, $u: ID!) { changeMemberRole(workspaceId: $w, userId: $u, role: OWNER) { role } }`,
      { w: owner.workspaceId, u: admin.userId },
      admin.headers,
    );
    expect(add.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("a workspace always keeps an owner", async () => {
    const demote = await gqlRaw(
      t.url,
      `mutation($w: ID!, $u: ID!) { changeMemberRole(workspaceId: $w, userId: $u, role: ADMIN) { role } }`,
      { w: owner.workspaceId, u: owner.userId },
      owner.headers,
    );
    expect(demote.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    const leave = await gqlRaw(
      t.url,
      `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`,
      { w: owner.workspaceId, u: owner.userId },
      owner.headers,
    );
    expect(leave.errors?.[0]?.extensions?.code).toBe("CONFLICT");
  });

  it("owners add and remove members; a removed member loses access at once", async () => {
    const again = await gqlRaw(
      t.url,
      `mutation($w: ID!, $e: String!) { addMember(workspaceId: $w, email: $e, role: MEMBER) { id } }`,
      { w: owner.workspaceId, e: member.email },
      owner.headers,
    );
    expect(again.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    const nobody = await gqlRaw(
      t.url,
      `mutation($w: ID!) { addMember(workspaceId: $w, email: "nobody@example.com", role: MEMBER) { id } }`,
      { w: owner.workspaceId },
      owner.headers,
    );
    expect(nobody.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "email" });

    const removed = await gqlRaw(
      t.url,
      `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`,
      { w: owner.workspaceId, u: member.userId },
      owner.headers,
    );
    expect(removed.data!.removeMember).toBe(member.userId);
    const read = await gqlRaw(t.url, `query($id: ID!) { bot(id: $id) { name } }`, { id: ids.botId }, member.headers);
    expect(read.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});
