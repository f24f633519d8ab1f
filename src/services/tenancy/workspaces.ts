import type { Invitation, Prisma, PrismaClient, Role } from "@prisma/client";
import type { Config } from "../../config.js";
import { EDITOR, requireRole, type Actor } from "../access/access.js";
import { AppError, assertId, notFound } from "../errors.js";
import { newSecret, sha256 } from "../access/secrets.js";
import type { Mailer, MailMessage } from "../mail.js";

/** Invitation tokens look like `pin_<43 chars>`. */
export const INVITATION_PREFIX = "pin";
/** Pending invitations one workspace may have at once. */
const MAX_PENDING = 100;

export interface IssuedInvitation {
  invitation: Invitation;
  /** The token: shown once, only its SHA-256 is stored. */
  token: string;
  /** The console's page that accepts it, the token in its fragment (never sent to a server). */
  link: string;
  /** Whether the link went out by email (an SMTP server is configured and took it). */
  emailed: boolean;
}

/** Who may send (and withdraw) an invitation with a role: admins invite staff, only an owner makes another owner. */
const inviterOf = (role: Role): Role => (role === "OWNER" ? "OWNER" : EDITOR);

/** An invitation a token opens, while it may be accepted. */
async function pendingByToken(db: Pick<Prisma.TransactionClient, "invitation">, token: string) {
  const invitation = await db.invitation.findUnique({ where: { tokenHash: sha256(token.trim()) }, include: { workspace: { select: { name: true } } } });
  if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt.getTime() <= Date.now()) {
    throw new AppError("NOT_FOUND", "This invitation is not valid: it is wrong, was withdrawn or used, or has expired. Ask for a new one.", { field: "token" });
  }
  return invitation;
}

/**
 * Joins the invited account to the workspace: its email must be the one
 * invited (the token proves the channel, the account the person). Used by
 * acceptInvitation and by signUp with a token, in their transactions.
 */
export async function acceptInvitation(tx: Prisma.TransactionClient, token: string, user: { id: string; email: string }) {
  const invitation = await pendingByToken(tx, token);
  if (invitation.email !== user.email) {
    throw new AppError("FORBIDDEN", `This invitation is for ${invitation.email}: log in with that email to accept it.`, { field: "token" });
  }
  const existing = await tx.membership.findUnique({ where: { workspaceId_userId: { workspaceId: invitation.workspaceId, userId: user.id } } });
  const membership = existing ?? (await tx.membership.create({ data: { workspaceId: invitation.workspaceId, userId: user.id, role: invitation.role } }));
  await tx.invitation.update({ where: { id: invitation.id }, data: { acceptedAt: new Date() } });
  return membership;
}

export function createWorkspaceService({
  prisma,
  config,
  mailer,
  onMemberRemoved,
}: {
  prisma: PrismaClient;
  config: Pick<Config, "INVITATION_TTL_HOURS" | "publicUrl">;
  mailer: Mailer;
  /** What else a member's leaving undoes (the conversations they held as an operator go back to the queue). */
  onMemberRemoved?: (workspaceId: string, userId: string) => Promise<void>;
}) {
  /** The email that carries an invitation's link: who asks, into what, as what, until when. */
  async function invitationMail(inviterId: string, invitation: Invitation, link: string): Promise<MailMessage> {
    const [inviter, workspace] = await Promise.all([
      prisma.user.findUniqueOrThrow({ where: { id: inviterId }, select: { name: true, email: true } }),
      prisma.workspace.findUniqueOrThrow({ where: { id: invitation.workspaceId }, select: { name: true } }),
    ]);
    const who = inviter.name ? `${inviter.name} (${inviter.email})` : inviter.email;
    const role = { OWNER: "an owner", ADMIN: "an admin", MEMBER: "a member" }[invitation.role];
    return {
      to: invitation.email,
      subject: `${inviter.name ?? inviter.email} invites you to ${workspace.name} on Parley`,
      text: [
        `${who} invites you to join ${workspace.name} on Parley as ${role}.`,
        "",
        `Accept the invitation: ${link}`,
        "",
        `The link works once, for an account with this email (${invitation.email}), until ${invitation.expiresAt.toUTCString()}.`,
        "If you did not expect it, ignore this email.",
      ].join("\n"),
    };
  }

  /** Owners may not leave a workspace ownerless. */
  async function assertAnotherOwner(workspaceId: string, userId: string) {
    const owners = await prisma.membership.count({ where: { workspaceId, role: "OWNER", userId: { not: userId } } });
    if (owners === 0) throw new AppError("CONFLICT", "A workspace needs at least one owner: make someone else owner first.");
  }

  return {
    async create(actor: Actor, name: string) {
      const workspace = await prisma.workspace.create({ data: { name, memberships: { create: { userId: actor.userId, role: "OWNER" } } } });
      // Later steps of the same request may act in the new workspace.
      actor.roles.set(workspace.id, "OWNER");
      return workspace;
    },

    async rename(actor: Actor, workspaceId: string, name: string) {
      requireRole(actor, assertId(workspaceId, "workspace"), "ADMIN");
      return prisma.workspace.update({ where: { id: workspaceId }, data: { name } });
    },

    /**
     * Invites someone to a workspace (owners; admins for admins and members): they join when they
     * accept, with an account of that email. Answers the same whether or
     * not the email has an account, and replaces a pending invitation to it.
     */
    async invite(actor: Actor, workspaceId: string, email: string, role: Role): Promise<IssuedInvitation> {
      requireRole(actor, assertId(workspaceId, "workspace"), inviterOf(role));
      const member = await prisma.membership.findFirst({ where: { workspaceId, user: { email } }, select: { id: true } });
      if (member) throw new AppError("CONFLICT", "This person is already a member; change their role instead.", { field: "email" });
      const token = newSecret(INVITATION_PREFIX);
      const invitation = await prisma.$transaction(async (tx) => {
        const pending = { workspaceId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } };
        await tx.invitation.updateMany({ where: { ...pending, email }, data: { revokedAt: new Date() } });
        if ((await tx.invitation.count({ where: pending })) >= MAX_PENDING) {
          throw new AppError("CONFLICT", `A workspace may have ${MAX_PENDING} pending invitations; withdraw some first.`);
        }
        const expiresAt = new Date(Date.now() + config.INVITATION_TTL_HOURS * 3_600_000);
        return tx.invitation.create({ data: { workspaceId, email, role, tokenHash: sha256(token), invitedById: actor.userId, expiresAt } });
      });
      const link = `${config.publicUrl}/admin/join#${token}`;
      // After the invitation is stored: a mail server that is down costs the email, never the invitation (its link is in the answer).
      const emailed = mailer.configured && (await mailer.send(await invitationMail(actor.userId, invitation, link)));
      return { invitation, token, link, emailed };
    },

    /** Withdraws a pending invitation (whoever may send it). */
    async revokeInvitation(actor: Actor, invitationId: string): Promise<Invitation> {
      const invitation = await prisma.invitation.findUnique({ where: { id: assertId(invitationId, "invitation") } });
      if (!invitation) throw notFound("Invitation");
      requireRole(actor, invitation.workspaceId, inviterOf(invitation.role), "Invitation");
      if (invitation.acceptedAt) throw new AppError("CONFLICT", "This invitation was accepted already: remove the member instead.");
      return invitation.revokedAt ? invitation : prisma.invitation.update({ where: { id: invitation.id }, data: { revokedAt: new Date() } });
    },

    /** What an invitation offers, for the page that asks whether to accept it. Needs only the token. */
    async preview(token: string) {
      const invitation = await pendingByToken(prisma, token);
      return { workspaceName: invitation.workspace.name, email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt };
    },

    /** Accepts an invitation for the signed-in account; later steps of the request act as a member. */
    async accept(actor: Actor, token: string) {
      const membership = await prisma.$transaction(async (tx) => {
        const user = await tx.user.findUniqueOrThrow({ where: { id: actor.userId }, select: { id: true, email: true } });
        return acceptInvitation(tx, token, user);
      });
      actor.roles.set(membership.workspaceId, membership.role);
      return membership;
    },

    async changeRole(actor: Actor, workspaceId: string, userId: string, role: Role) {
      requireRole(actor, assertId(workspaceId, "workspace"), "OWNER");
      const membership = await prisma.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId: assertId(userId, "user") } } });
      if (!membership) throw notFound("Member");
      if (membership.role === "OWNER" && role !== "OWNER") await assertAnotherOwner(workspaceId, userId);
      return prisma.membership.update({ where: { id: membership.id }, data: { role } });
    },

    async removeMember(actor: Actor, workspaceId: string, userId: string) {
      requireRole(actor, assertId(workspaceId, "workspace"), "OWNER");
      const membership = await prisma.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId: assertId(userId, "user") } } });
      if (!membership) throw notFound("Member");
      if (membership.role === "OWNER") await assertAnotherOwner(workspaceId, userId);
      await prisma.membership.delete({ where: { id: membership.id } });
      await onMemberRemoved?.(workspaceId, membership.userId);
      return membership;
    },
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
