import { workspaceIds } from "../services/access/access.js";
import { assertId, notFound } from "../services/errors.js";
import type { Role as RoleValue } from "@prisma/client";
import type { IssuedInvitation as IssuedInvitationShape } from "../services/tenancy/workspaces.js";
import { email, invitationToken, name } from "../services/validation.js";
import { actorOf, builder } from "./builder.js";
import { BotStatus } from "./enums.js";

export const Role = builder.enumType("Role", {
  description: "What a member may do in a workspace.",
  values: {
    OWNER: { description: "Everything, including managing members." },
    ADMIN: { description: "Change bots, prompts, keys and sources." },
    MEMBER: { description: "Read only." },
  } as const,
});

export const Workspace = builder.prismaObject("Workspace", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (workspace) => ({ workspace: workspace.id }),
  description: "A tenant: its bots and members are invisible to every other workspace.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The workspace's id." }),
    name: t.exposeString("name", { description: "Display name." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was made." }),
    viewerRole: t.field({
      type: Role,
      nullable: true,
      description: "Your role here (null when the request has no session).",
      resolve: (w, _args, ctx) => (ctx.viewer.kind === "user" ? (ctx.viewer.actor.roles.get(w.id) ?? null) : null),
    }),
    members: t.relatedConnection("memberships", {
      description: "Who belongs to the workspace.",
      cursor: "id",
      totalCount: true,
      query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    }),
    invitations: t.relatedConnection("invitations", {
      description: "Invitations waiting to be accepted, newest first.",
      cursor: "id",
      totalCount: true,
      query: () => ({ where: { acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
    }),
    bots: t.relatedConnection("bots", {
      description: "The workspace's bots, newest first.",
      cursor: "id",
      totalCount: true,
      args: { status: t.arg({ type: BotStatus, required: false, description: "Only bots in this status." }) },
      query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
    }),
  }),
});

export const Invitation = builder.prismaObject("Invitation", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (invitation) => ({ workspace: invitation.workspaceId }),
  description: "An invitation to join a workspace, waiting for its person to accept it.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The invitation's id." }),
    email: t.exposeString("email", { description: "Who it is for: the account that accepts must have this email." }),
    role: t.expose("role", { type: Role, description: "Their role once they join." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", description: "When it stops working." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was made." }),
  }),
});

const IssuedInvitation = builder.objectRef<IssuedInvitationShape>("IssuedInvitation").implement({
  description: "A new invitation with its token. The token is shown only in this answer: send the link to the person now.",
  fields: (t) => ({
    invitation: t.prismaField({
      type: Invitation,
      description: "The invitation.",
      resolve: (query, issued, _args, ctx) => ctx.prisma.invitation.findUniqueOrThrow({ ...query, where: { id: issued.invitation.id } }),
    }),
    token: t.exposeString("token", { description: "The secret that accepts it (`pin_…`). Parley keeps only its SHA-256." }),
    link: t.exposeString("link", { description: "The console's page that accepts it, with the token in its fragment (never sent to a server)." }),
    emailed: t.exposeBoolean("emailed", {
      description:
        "Whether Parley emailed the link to the person (an SMTP server is configured, SMTP_URL, and accepted it). When false, send the link yourself.",
    }),
  }),
});

const InvitationPreview = builder.objectRef<{ workspaceName: string; email: string; role: RoleValue; expiresAt: Date }>("InvitationPreview").implement({
  description: "What an invitation offers, for whoever holds its token.",
  fields: (t) => ({
    workspaceName: t.exposeString("workspaceName", { description: "The workspace it asks you into." }),
    email: t.exposeString("email", { description: "Who it is for." }),
    role: t.expose("role", { type: Role, description: "Your role once you join." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", description: "When it stops working." }),
  }),
});

export const Membership = builder.prismaObject("Membership", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (membership) => ({ workspace: membership.workspaceId }),
  description: "A user's place in a workspace.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The membership's id." }),
    role: t.expose("role", { type: Role, description: "What the user may do here." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When they joined." }),
    user: t.relation("user", { description: "The member." }),
    workspace: t.relation("workspace", { description: "The workspace." }),
  }),
});

builder.queryFields((t) => ({
  invitation: t.field({
    type: InvitationPreview,
    description: "What an invitation offers (its workspace and role), read with its token alone: no session needed.",
    args: { token: t.arg.string({ description: "The invitation's token (from its link).", validate: { schema: invitationToken } }) },
    resolve: (_root, args, ctx) => ctx.workspaces.preview(args.token),
  }),
  workspaces: t.prismaField({
    type: [Workspace],
    description: "The workspaces you belong to.",
    authScopes: { user: true },
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.workspace.findMany({ ...query, where: { id: { in: workspaceIds(actorOf(ctx)) } }, orderBy: { createdAt: "asc" } }),
  }),
  workspace: t.prismaField({
    type: Workspace,
    description: "One of your workspaces.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Workspace id." }) },
    resolve: async (query, _root, args, ctx) => {
      const id = assertId(args.id, "workspace");
      if (!actorOf(ctx).roles.has(id)) throw notFound("Workspace");
      return ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
}));

builder.mutationFields((t) => ({
  createWorkspace: t.prismaField({
    type: Workspace,
    description: "A new workspace, owned by you.",
    authScopes: { user: true },
    args: { name: t.arg.string({ description: "Display name.", validate: { schema: name } }) },
    resolve: async (query, _root, args, ctx) => {
      const workspace = await ctx.workspaces.create(actorOf(ctx), args.name);
      return ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: workspace.id } });
    },
  }),
  renameWorkspace: t.prismaField({
    type: Workspace,
    description: "Renames a workspace (owner or admin).",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Workspace id." }), name: t.arg.string({ description: "New name.", validate: { schema: name } }) },
    resolve: async (query, _root, args, ctx) => {
      const workspace = await ctx.workspaces.rename(actorOf(ctx), args.id, args.name);
      return ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: workspace.id } });
    },
  }),
  inviteMember: t.field({
    type: IssuedInvitation,
    description:
      "Invites someone to a workspace: owners invite anyone, admins invite admins and members. They join when they accept with an account of this email. The answer is the same whether or not the email has an account. Inviting an email again replaces its pending invitation.",
    authScopes: { user: true },
    args: {
      workspaceId: t.arg.id({ description: "Workspace id." }),
      email: t.arg.string({ description: "Their email: the account that accepts must have it.", validate: { schema: email } }),
      role: t.arg({ type: Role, description: "Their role once they join." }),
    },
    resolve: (_root, args, ctx) => ctx.workspaces.invite(actorOf(ctx), args.workspaceId, args.email, args.role),
  }),
  revokeInvitation: t.prismaField({
    type: Invitation,
    description: "Withdraws a pending invitation (owners; admins for admins' and members' invitations): its link stops working.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Invitation id." }) },
    resolve: async (query, _root, args, ctx) => {
      const invitation = await ctx.workspaces.revokeInvitation(actorOf(ctx), args.id);
      return ctx.prisma.invitation.findUniqueOrThrow({ ...query, where: { id: invitation.id } });
    },
  }),
  acceptInvitation: t.prismaField({
    type: Membership,
    description: "Joins the workspace an invitation is for, with its role. The signed-in account must have the invited email.",
    authScopes: { user: true },
    args: { token: t.arg.string({ description: "The invitation's token (from its link).", validate: { schema: invitationToken } }) },
    resolve: async (query, _root, args, ctx) => {
      const membership = await ctx.workspaces.accept(actorOf(ctx), args.token);
      return ctx.prisma.membership.findUniqueOrThrow({ ...query, where: { id: membership.id } });
    },
  }),
  changeMemberRole: t.prismaField({
    type: Membership,
    description: "Changes a member's role (owners only). A workspace always keeps an owner.",
    authScopes: { user: true },
    args: {
      workspaceId: t.arg.id({ description: "Workspace id." }),
      userId: t.arg.id({ description: "The member's user id." }),
      role: t.arg({ type: Role, description: "Their new role." }),
    },
    resolve: async (query, _root, args, ctx) => {
      const membership = await ctx.workspaces.changeRole(actorOf(ctx), args.workspaceId, args.userId, args.role);
      return ctx.prisma.membership.findUniqueOrThrow({ ...query, where: { id: membership.id } });
    },
  }),
  removeMember: t.id({
    description: "Removes a member (owners only); returns the removed user's id. A workspace always keeps an owner.",
    authScopes: { user: true },
    args: { workspaceId: t.arg.id({ description: "Workspace id." }), userId: t.arg.id({ description: "The member's user id." }) },
    resolve: async (_root, args, ctx) => {
      const removed = await ctx.workspaces.removeMember(actorOf(ctx), args.workspaceId, args.userId);
      void ctx.liveAccess.recheck(); // their open streams on this workspace's bots end now
      return removed.userId;
    },
  }),
}));
