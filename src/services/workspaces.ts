import type { PrismaClient, Role } from "@prisma/client";
import { requireRole, type Actor } from "./access.js";
import { AppError, assertId, notFound } from "./errors.js";

export function createWorkspaceService({ prisma }: { prisma: PrismaClient }) {
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

    /** Adds an existing user (they sign up first) to a workspace. Owners only. */
    async addMember(actor: Actor, workspaceId: string, email: string, role: Role) {
      requireRole(actor, assertId(workspaceId, "workspace"), "OWNER");
      const user = await prisma.user.findUnique({ where: { email } });
      if (!user) throw new AppError("NOT_FOUND", "No user has this email; they need to sign up first.", { field: "email" });
      const existing = await prisma.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId: user.id } } });
      if (existing) throw new AppError("CONFLICT", "This user is already a member; change their role instead.");
      return prisma.membership.create({ data: { workspaceId, userId: user.id, role } });
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
      return membership;
    },
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
