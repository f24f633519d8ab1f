import { Prisma, type PrismaClient, type Role, type User, type Workspace } from "@prisma/client";
import type { Config } from "../../config.js";
import type { Logger } from "../../logger.js";
import type { Actor } from "../access/access.js";
import { AppError, badInput } from "../errors.js";
import { acceptInvitation } from "./workspaces.js";
import type { AttemptSource, LoginThrottle } from "../access/login-throttle.js";
import { assertStrongPassword, type PasswordScore } from "../access/passwords.js";
import { hashPassword, newSecret, sha256, verifyPassword } from "../access/secrets.js";

/** Bearer tokens of admin sessions look like `pst_<43 chars>`. */
export const SESSION_TOKEN_PREFIX = "pst";
/** Known-device tokens look like `pdv_<43 chars>`. */
const DEVICE_TOKEN_PREFIX = "pdv";
/** Devices remembered per account. */
const MAX_DEVICES = 20;

export interface Session {
  /** The bearer token; shown once, only its SHA-256 is stored. */
  token: string;
  expiresAt: Date;
  user: User;
  /** The new session as an actor, for the rest of the request that made it. */
  actor: Actor;
  /** A new known-device token for the client to keep and send with its next log-in (none when it sent a good one). */
  deviceToken?: string;
}

export type Authentication = { actor: Actor } | { error: "expired" | "invalid" };

interface TokenRow {
  id: string;
  userId: string;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  memberships: { workspaceId: string; role: Role }[];
}

/** Only written when older than this, so requests don't each cost a write. */
const LAST_USED_RESOLUTION_MS = 5 * 60_000;

export function createAuthService({
  prisma,
  config,
  logger,
  throttle,
}: {
  prisma: PrismaClient;
  config: Pick<Config, "PASSWORD_HASH_COST" | "PASSWORD_MIN_SCORE" | "SESSION_TTL_HOURS">;
  logger: Logger;
  throttle: LoginThrottle;
}) {
  // Verifying against a real hash when the email is unknown keeps both
  // answers equally slow, so timing doesn't reveal who has an account.
  let decoyHash: Promise<string> | undefined;

  async function issueToken(user: User, roles: Actor["roles"], tx: Prisma.TransactionClient = prisma): Promise<Session> {
    const token = newSecret(SESSION_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + config.SESSION_TTL_HOURS * 3_600_000);
    const row = await tx.authToken.create({ data: { userId: user.id, tokenHash: sha256(token), expiresAt }, select: { id: true } });
    return { token, expiresAt, user, actor: { userId: user.id, tokenId: row.id, roles } };
  }

  /** The device a token names, if it logged in to this email's account before. */
  async function knownDevice(token: string, email: string) {
    const device = await prisma.knownDevice.findUnique({ where: { tokenHash: sha256(token) }, select: { id: true, user: { select: { email: true } } } });
    return device?.user.email === email ? device : null;
  }

  /** A known-device token for an account's client; its oldest devices beyond the last 20 are forgotten. */
  async function rememberDevice(userId: string, tx: Prisma.TransactionClient = prisma): Promise<string> {
    const token = newSecret(DEVICE_TOKEN_PREFIX);
    await tx.knownDevice.create({ data: { userId, tokenHash: sha256(token) } });
    const stale = await tx.knownDevice.findMany({ where: { userId }, orderBy: { lastUsedAt: "desc" }, skip: MAX_DEVICES, select: { id: true } });
    if (stale.length) await tx.knownDevice.deleteMany({ where: { id: { in: stale.map((d) => d.id) } } });
    return token;
  }

  return {
    /**
     * A new user and a session, with their first workspace (they own it),
     * or the workspace an invitation (`invitationToken`) asks them into.
     */
    async signUp(input: {
      email: string;
      password: string;
      workspaceName?: string | null;
      name?: string | null;
      invitationToken?: string | null;
    }): Promise<Session & { workspace: Workspace }> {
      if (!input.workspaceName && !input.invitationToken) throw badInput("Name your first workspace, or sign up with an invitation.", "workspaceName");
      await assertStrongPassword(input.password, config.PASSWORD_MIN_SCORE as PasswordScore, [input.email, input.workspaceName ?? "", input.name ?? ""]);
      // Hashed before the email is looked at, so a taken email answers no faster than a free one.
      const passwordHash = await hashPassword(input.password, config.PASSWORD_HASH_COST);
      try {
        return await prisma.$transaction(async (tx) => {
          const user = await tx.user.create({ data: { email: input.email, passwordHash, name: input.name ?? null } });
          const roles: Actor["roles"] = new Map();
          let workspace: Workspace | undefined;
          if (input.invitationToken) {
            const joined = await acceptInvitation(tx, input.invitationToken, user);
            roles.set(joined.workspaceId, joined.role);
            workspace = await tx.workspace.findUniqueOrThrow({ where: { id: joined.workspaceId } });
          }
          if (input.workspaceName) {
            workspace = await tx.workspace.create({ data: { name: input.workspaceName, memberships: { create: { userId: user.id, role: "OWNER" } } } });
            roles.set(workspace.id, "OWNER");
          }
          return { ...(await issueToken(user, roles, tx)), workspace: workspace!, deviceToken: await rememberDevice(user.id, tx) };
        });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
          // Unavoidable without mail to prove the address is yours: the email cannot be taken twice. Said no more plainly than that.
          throw new AppError("CONFLICT", "This email cannot be used to sign up. If you have an account, log in.", { field: "email" });
        }
        throw error;
      }
    },

    /**
     * Checks a password, no faster than the throttle allows for where the
     * attempt comes from (RATE_LIMITED with the wait): a device this account
     * logged in from before (`deviceToken`), else the client's address.
     */
    async logIn(input: { email: string; password: string; deviceToken?: string | null }, from: { ip: string | undefined }): Promise<Session> {
      const device = input.deviceToken ? await knownDevice(input.deviceToken, input.email) : null;
      const source: AttemptSource = device ? { device: device.id } : { ip: from.ip };
      await throttle.attempt(input.email, source);
      const user = await prisma.user.findUnique({ where: { email: input.email } });
      decoyHash ??= hashPassword("decoy password", config.PASSWORD_HASH_COST);
      const valid = await verifyPassword(input.password, user?.passwordHash ?? (await decoyHash));
      if (!user || !valid) throw new AppError("UNAUTHENTICATED", "Wrong email or password.");
      await throttle.succeeded(input.email, source);
      const memberships = await prisma.membership.findMany({ where: { userId: user.id }, select: { workspaceId: true, role: true } });
      const session = await issueToken(user, new Map(memberships.map((m) => [m.workspaceId, m.role])));
      if (device) {
        await prisma.knownDevice.update({ where: { id: device.id }, data: { lastUsedAt: new Date() } });
        return session;
      }
      return { ...session, deviceToken: await rememberDevice(user.id) };
    },

    async logOut(actor: Actor): Promise<void> {
      await prisma.authToken.update({ where: { id: actor.tokenId }, data: { revokedAt: new Date() } });
    },

    /** Resolves a bearer token to the user behind it, with their roles. */
    async authenticate(token: string): Promise<Authentication> {
      // Every admin request and every websocket operation comes through here:
      // one statement, where the ORM's nested include made three.
      const [row] = await prisma.$queryRaw<TokenRow[]>`
        SELECT t.id, t.user_id AS "userId", t.expires_at AS "expiresAt", t.revoked_at AS "revokedAt", t.last_used_at AS "lastUsedAt",
               coalesce(json_agg(json_build_object('workspaceId', m.workspace_id, 'role', m.role)) FILTER (WHERE m.workspace_id IS NOT NULL), '[]'::json) AS memberships
        FROM auth_tokens t LEFT JOIN memberships m ON m.user_id = t.user_id
        WHERE t.token_hash = ${sha256(token)}
        GROUP BY t.id`;
      if (!row || row.revokedAt) return { error: "invalid" };
      if (new Date(row.expiresAt).getTime() <= Date.now()) return { error: "expired" };
      if (!row.lastUsedAt || Date.now() - new Date(row.lastUsedAt).getTime() > LAST_USED_RESOLUTION_MS) {
        prisma.authToken
          .update({ where: { id: row.id }, data: { lastUsedAt: new Date() } })
          .catch((error: unknown) => logger.warn("could not record token use", { error }));
      }
      return {
        actor: {
          userId: row.userId,
          tokenId: row.id,
          roles: new Map(row.memberships.map((m) => [m.workspaceId, m.role])),
        },
      };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
