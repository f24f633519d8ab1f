import { email, invitationToken, name, password, secretToken } from "../services/validation.js";
import { GraphQLError } from "graphql";
import { actorOf, builder, signIn } from "./builder.js";
import { Workspace } from "./workspace.js";

export const User = builder.prismaObject("User", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (user) => ({ person: user.id }),
  description: "A person who administers workspaces.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The user's id." }),
    email: t.exposeString("email", { description: "Login email, lower-cased." }),
    name: t.exposeString("name", { nullable: true, description: "Display name." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the account was made." }),
    memberships: t.relation("memberships", {
      description: "The workspaces this user belongs to, with their role in each. Only your own: a co-member's other workspaces are theirs.",
      query: { orderBy: { createdAt: "asc" } },
      authScopes: (user, _args, ctx) => ctx.viewer.kind === "user" && ctx.viewer.actor.userId === user.id,
      unauthorizedError: () => new GraphQLError("Only your own memberships can be listed.", { extensions: { code: "FORBIDDEN" } }),
    }),
  }),
});

const Session = builder.objectRef<{ token: string; expiresAt: Date }>("Session").implement({
  description: "A login. Send `Authorization: Bearer <token>` with every request.",
  fields: (t) => ({
    token: t.exposeString("token", { description: "The bearer token. Shown only now: Parley keeps just its SHA-256." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", description: "When the token stops working." }),
  }),
});

const AuthPayload = builder
  .objectRef<{ token: string; expiresAt: Date; user: { id: string }; workspace?: { id: string }; deviceToken?: string }>("AuthPayload")
  .implement({
    description: "The result of signing up or logging in.",
    fields: (t) => ({
      deviceToken: t.string({
        nullable: true,
        description:
          "A token for this browser or client to keep and send with its next logIn: then guesses at the password from elsewhere never slow it down. Null when the one sent is still good.",
        resolve: (p) => p.deviceToken ?? null,
      }),
      session: t.field({ type: Session, description: "The new login.", resolve: (p) => ({ token: p.token, expiresAt: p.expiresAt }) }),
      user: t.prismaField({
        type: "User",
        description: "Who is logged in.",
        resolve: (query, p, _args, ctx) => ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: p.user.id } }),
      }),
      workspace: t.prismaField({
        type: Workspace,
        nullable: true,
        description: "The workspace signUp created, or joined with an invitation (null for logIn).",
        resolve: (query, p, _args, ctx) => (p.workspace ? ctx.prisma.workspace.findUnique({ ...query, where: { id: p.workspace.id } }) : null),
      }),
    }),
  });

builder.queryFields((t) => ({
  me: t.prismaField({
    type: "User",
    description: "The signed-in user.",
    authScopes: { user: true },
    resolve: (query, _root, _args, ctx) => ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: actorOf(ctx).userId } }),
  }),
}));

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    description:
      "Creates an account and logs in. No token needed. With workspaceName, you own a new workspace; with invitationToken, you join the workspace you were invited to (the email must be the invited one).",
    args: {
      email: t.arg.string({ description: "Login email.", validate: { schema: email } }),
      password: t.arg.string({
        description: "At least 8 characters, and not easy to guess: common passwords, repeats and words from the email or workspace are refused.",
        validate: { schema: password },
      }),
      workspaceName: t.arg.string({
        required: false,
        description: "Name of your first workspace (needed unless you sign up with an invitation).",
        validate: { schema: name },
      }),
      invitationToken: t.arg.string({ required: false, description: "An invitation's token: you join its workspace.", validate: { schema: invitationToken } }),
      name: t.arg.string({ required: false, description: "Your display name.", validate: { schema: name } }),
    },
    resolve: async (_root, args, ctx) => {
      if (ctx.ip) {
        await ctx.authLimiter.check({ ip: ctx.ip });
        await ctx.signUpLimiter.check({ ip: ctx.ip });
      }
      const session = await ctx.auth.signUp(args);
      signIn(ctx, session.actor);
      return session;
    },
  }),
  logIn: t.field({
    type: AuthPayload,
    description: "Logs in with email and password. No token needed.",
    args: {
      email: t.arg.string({ description: "Login email.", validate: { schema: email } }),
      password: t.arg.string({ description: "Password.", validate: { schema: password } }),
      deviceToken: t.arg.string({
        required: false,
        description: "The deviceToken an earlier logIn or signUp gave this browser or client: log-ins from it are slowed only by its own mistakes.",
        validate: { schema: secretToken },
      }),
    },
    resolve: async (_root, args, ctx) => {
      if (ctx.ip) await ctx.authLimiter.check({ ip: ctx.ip });
      const session = await ctx.auth.logIn(args, { ip: ctx.ip });
      signIn(ctx, session.actor);
      return session;
    },
  }),
  logOut: t.boolean({
    description: "Ends the session whose token this request carries.",
    authScopes: { user: true },
    resolve: async (_root, _args, ctx) => {
      await ctx.auth.logOut(actorOf(ctx));
      void ctx.liveAccess.recheck(); // its open streams end now
      return true;
    },
  }),
}));
