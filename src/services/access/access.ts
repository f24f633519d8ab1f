import type { Role } from "@prisma/client";
import { AppError, notFound } from "../errors.js";

/** A signed-in admin user, with the workspaces they belong to. */
export interface Actor {
  userId: string;
  /** The session (auth token) the request came with. */
  tokenId: string;
  /** workspace id → role, as of the start of the request (plus workspaces it created). */
  roles: Map<string, Role>;
}

const rank: Record<Role, number> = { MEMBER: 1, ADMIN: 2, OWNER: 3 };

export function workspaceIds(actor: Actor): string[] {
  return [...actor.roles.keys()];
}

/**
 * Checks the actor's role in a workspace. Not being a member at all is
 * NOT_FOUND, exactly like an id that does not exist, so ids of other tenants
 * reveal nothing; a member without enough rights gets FORBIDDEN.
 */
export function requireRole(actor: Actor, workspaceId: string, minimum: Role, what = "Workspace"): Role {
  const role = actor.roles.get(workspaceId);
  if (!role) throw notFound(what);
  if (rank[role] < rank[minimum]) {
    throw new AppError(
      "FORBIDDEN",
      `This needs the ${minimum.toLowerCase()} role in the workspace; you are ${role === "ADMIN" ? "an" : "a"} ${role.toLowerCase()}.`,
    );
  }
  return role;
}

/** Roles that may change a workspace's bots, prompts, keys and sources. */
export const EDITOR: Role = "ADMIN";

/**
 * For a row that belongs to a bot (a prompt, a key, a source), loaded with
 * `include: { bot: { select: { workspaceId: true } } }`: NOT_FOUND when it
 * does not exist or the actor is not in the bot's workspace, FORBIDDEN
 * without `role`. Returns the row without the included bot.
 */
export function authorizeBotChild<T extends { bot: { workspaceId: string } }>(actor: Actor, row: T | null, what: string, role: Role = EDITOR): Omit<T, "bot"> {
  if (!row) throw notFound(what);
  requireRole(actor, row.bot.workspaceId, role, what);
  const { bot: _bot, ...rest } = row;
  return rest;
}
