import { beforeAll, describe, expect, it } from "@jest/globals";
import { createBot, invite, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";
import { startSmtp } from "./helpers/smtp.js";

let t: TestApp;
let owner: Account;
let admin: Account;
let member: Account;
const ids = { botId: "", promptId: "", keyId: "" };

async function join(account: Account, role: "ADMIN" | "MEMBER") {
  // Invited by an email in other letters' case: the same person.
  expect(await invite(t.url, owner, { ...account, email: account.email.toUpperCase() }, role)).toEqual({ role, user: { email: account.email } });
}

let smtp: Awaited<ReturnType<typeof startSmtp>>;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await startApp({ SMTP_URL: smtp.url, MAIL_FROM: "Parley <parley@example.com>" });
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
    "inviteMember",
    `mutation($w: ID!, $e: String!) { inviteMember(workspaceId: $w, email: $e, role: OWNER) { token } }`,
    () => ({ w: owner.workspaceId, e: "someone@example.com" }),
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

  it("an admin invites admins and members, and withdraws their invitations, but makes no owner", async () => {
    const invite = (role: string) =>
      gqlRaw(
        t.url,
        `mutation($w: ID!, $e: String!, $r: Role!) { inviteMember(workspaceId: $w, email: $e, role: $r) { invitation { id role } } }`,
        { w: owner.workspaceId, e: `staff-${role.toLowerCase()}-${Date.now()}@example.com`, r: role },
        admin.headers,
      );
    const staff = await invite("ADMIN");
    expect(staff.data!.inviteMember.invitation.role).toBe("ADMIN");
    expect((await invite("OWNER")).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const withdrawn = await gqlRaw(
      t.url,
      `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`,
      { id: staff.data!.inviteMember.invitation.id },
      admin.headers,
    );
    expect(withdrawn.errors).toBeUndefined();
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

  it("owners invite and remove members; a removed member loses access at once", async () => {
    const again = await gqlRaw(
      t.url,
      `mutation($w: ID!, $e: String!) { inviteMember(workspaceId: $w, email: $e, role: MEMBER) { token } }`,
      { w: owner.workspaceId, e: member.email },
      owner.headers,
    );
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "email" });

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

describe("membership by consent", () => {
  const INVITE = `mutation($w: ID!, $e: String!, $r: Role!) { inviteMember(workspaceId: $w, email: $e, role: $r) { token link invitation { id email role } } }`;
  const ACCEPT = `mutation($t: String!) { acceptInvitation(token: $t) { role workspace { id } } }`;
  const inviteAs = async (email: string, role = "MEMBER") => {
    const result = await gqlRaw(t.url, INVITE, { w: owner.workspaceId, e: email, r: role }, owner.headers);
    expect(result.errors).toBeUndefined();
    return result.data!.inviteMember as { token: string; link: string; invitation: { id: string; email: string; role: string } };
  };

  it("answers an invitation the same whether or not the email has an account", async () => {
    const someone = await signUp(t.url, "Someone's own");
    const known = await inviteAs(someone.email.toUpperCase());
    const unknown = await inviteAs(`nobody-${Date.now()}@example.com`);
    const shape = (x: typeof known) => ({ token: x.token.slice(0, 4), link: x.link.replace(/#.*$/, "#…"), invitation: { role: x.invitation.role } });
    expect(shape(known)).toEqual(shape(unknown));
    expect(known.invitation.email).toBe(someone.email);
    expect(known.link).toMatch(/\/admin\/join#pin_/);
  });

  it("emails the invitation's link through the configured SMTP server; a refused email costs the email, not the invitation", async () => {
    const email = `mailed-${Date.now()}@example.com`;
    const sent = await gqlRaw(t.url, INVITE.replace("link", "link emailed"), { w: owner.workspaceId, e: email, r: "ADMIN" }, owner.headers);
    expect(sent.data!.inviteMember.emailed).toBe(true);
    const mail = smtp.received.find((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === email);
    expect(mail?.from?.text).toBe('"Parley" <parley@example.com>');
    expect(mail?.subject).toBe(`${owner.email} invites you to Owned on Parley`);
    expect(mail?.text).toContain(`Accept the invitation: ${sent.data!.inviteMember.link}`);
    expect(mail?.text).toContain("as an admin");

    const refused = await gqlRaw(t.url, INVITE.replace("link", "link emailed"), { w: owner.workspaceId, e: "refuse@example.com", r: "MEMBER" }, owner.headers);
    expect(refused.errors).toBeUndefined();
    expect(refused.data!.inviteMember.emailed).toBe(false);
    const accepted = await gqlRaw(t.url, `query($t: String!) { invitation(token: $t) { email } }`, { t: refused.data!.inviteMember.token });
    expect(accepted.data!.invitation.email).toBe("refuse@example.com");
  });

  it("joins only with the invited account's consent, once, while the invitation stands", async () => {
    const invitee = await signUp(t.url, "Invitee's own");
    const stranger = await signUp(t.url, "Stranger's own");
    const { token } = await inviteAs(invitee.email, "ADMIN");
    // Nothing happened yet: the invitee is not a member until they accept.
    const before = await gqlRaw(t.url, `query($id: ID!) { bot(id: $id) { name } }`, { id: ids.botId }, invitee.headers);
    expect(before.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const preview = await gqlRaw(t.url, `query($t: String!) { invitation(token: $t) { workspaceName email role } }`, { t: token });
    expect(preview.data!.invitation).toEqual({ workspaceName: "Owned", email: invitee.email, role: "ADMIN" });

    const wrongPerson = await gqlRaw(t.url, ACCEPT, { t: token }, stranger.headers);
    expect(wrongPerson.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "token" });
    const wrongToken = await gqlRaw(t.url, ACCEPT, { t: "pin_nonsense" }, invitee.headers);
    expect(wrongToken.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "token" });
    const accepted = await gqlRaw(t.url, ACCEPT, { t: token }, invitee.headers);
    expect(accepted.data!.acceptInvitation).toEqual({ role: "ADMIN", workspace: { id: owner.workspaceId } });
    const again = await gqlRaw(t.url, ACCEPT, { t: token }, invitee.headers);
    expect(again.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const after = await gqlRaw(t.url, `query($id: ID!) { bot(id: $id) { name } }`, { id: ids.botId }, invitee.headers);
    expect(after.errors).toBeUndefined();
  });

  it("stops a withdrawn, replaced or expired invitation from working", async () => {
    const invitee = await signUp(t.url, "Late's own");
    const first = await inviteAs(invitee.email);
    const second = await inviteAs(invitee.email);
    expect((await gqlRaw(t.url, ACCEPT, { t: first.token }, invitee.headers)).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const withdrawn = await gqlRaw(t.url, `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, { id: second.invitation.id }, owner.headers);
    expect(withdrawn.errors).toBeUndefined();
    expect((await gqlRaw(t.url, ACCEPT, { t: second.token }, invitee.headers)).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const third = await inviteAs(invitee.email);
    await t.app.services.db.prisma.invitation.update({ where: { id: third.invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await gqlRaw(t.url, ACCEPT, { t: third.token }, invitee.headers)).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const pending = await gqlRaw(
      t.url,
      `query($w: ID!) { workspace(id: $w) { invitations { edges { node { email } } } } }`,
      { w: owner.workspaceId },
      owner.headers,
    );
    expect(pending.data!.workspace.invitations.edges.map((e: { node: { email: string } }) => e.node.email)).not.toContain(invitee.email);
  });

  it("signs someone new up straight into the workspace they were invited to, with no workspace of their own", async () => {
    const email = `fresh-${Date.now()}@example.com`;
    const { token } = await inviteAs(email);
    const SIGN_UP = `mutation($e: String!, $t: String) { signUp(email: $e, password: "correct horse battery", invitationToken: $t) { workspace { id viewerRole } user { memberships { role } } } }`;
    const refused = await gqlRaw(t.url, SIGN_UP, { e: `other-${email}`, t: null });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "workspaceName" });
    const signedUp = await gqlRaw(t.url, SIGN_UP, { e: email, t: token });
    expect(signedUp.errors).toBeUndefined();
    expect(signedUp.data!.signUp).toEqual({ workspace: { id: owner.workspaceId, viewerRole: "MEMBER" }, user: { memberships: [{ role: "MEMBER" }] } });
  });
});
