import { workspaceIds } from "../services/access.js";
import { assertId, notFound } from "../services/errors.js";
import { email, name } from "../services/validation.js";
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
    bots: t.relatedConnection("bots", {
      description: "The workspace's bots, newest first.",
      cursor: "id",
      totalCount: true,
      args: { status: t.arg({ type: BotStatus, required: false, description: "Only bots in this status." }) },
      query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
    }),
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
  addMember: t.prismaField({
    type: Membership,
    description: "Adds a user who has signed up to a workspace (owners only).",
    authScopes: { user: true },
    args: {
      workspaceId: t.arg.id({ description: "Workspace id." }),
      email: t.arg.string({ description: "The user's login email.", validate: { schema: email } }),
      role: t.arg({ type: Role, description: "Their role." }),
    },
    resolve: async (query, _root, args, ctx) => {
      const membership = await ctx.workspaces.addMember(actorOf(ctx), args.workspaceId, args.email, args.role);
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
