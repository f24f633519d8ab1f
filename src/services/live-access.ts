import { Prisma, type PrismaClient } from "@prisma/client";
import type { Logger } from "../logger.js";
import { AppError } from "./errors.js";

/**
 * What a live stream (a subscription) was opened with: a member's session
 * on one bot, or a visitor's key. Its rights are checked again while it is
 * open, not only when it starts.
 */
export type LiveGrant = { kind: "session"; tokenId: string; userId: string; botId: string } | { kind: "key"; keyId: string; keyHash: string; botId: string };

interface Watched {
  grant: LiveGrant;
  controller: AbortController;
}

export interface LiveAccessOptions {
  /**
   * How often open streams' rights are checked, in a few statements for all
   * of them together: a session logged out or expired, a member removed, a
   * key revoked, rotated or expired, a bot deleted or archived, on any
   * instance, ends its streams within this. @default 2000
   */
  intervalMs?: number;
}

/**
 * The registry of open streams' rights. `watch` gives a signal that aborts,
 * with the AppError a new request would get (UNAUTHENTICATED, FORBIDDEN,
 * NOT_FOUND), when the rights it was opened with are gone.
 */
export function createLiveAccess({ prisma, logger }: { prisma: PrismaClient; logger: Logger }, { intervalMs = 2000 }: LiveAccessOptions = {}) {
  const watched = new Set<Watched>();
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;

  async function check(): Promise<void> {
    const open = [...watched];
    if (!open.length) return;
    const sessions = open.flatMap((w) => (w.grant.kind === "session" ? [w.grant] : []));
    const keys = open.flatMap((w) => (w.grant.kind === "key" ? [w.grant] : []));
    const [tokens, memberships, keyRows, bots] = await Promise.all([
      sessions.length
        ? prisma.authToken.findMany({ where: { id: { in: sessions.map((s) => s.tokenId) } }, select: { id: true, revokedAt: true, expiresAt: true } })
        : [],
      sessions.length
        ? prisma.$queryRaw<{ user_id: string; bot_id: string }[]>`
            SELECT m.user_id::text, b.id::text AS bot_id FROM bots b JOIN memberships m ON m.workspace_id = b.workspace_id
            WHERE b.id::text = ANY(${sessions.map((s) => s.botId)}::text[]) AND m.user_id::text = ANY(${sessions.map((s) => s.userId)}::text[])`
        : [],
      keys.length
        ? prisma.apiKey.findMany({
            where: { id: { in: keys.map((k) => k.keyId) } },
            select: { id: true, keyHash: true, isActive: true, revokedAt: true, expiresAt: true },
          })
        : [],
      prisma.bot.findMany({ where: { id: { in: [...new Set(open.map((w) => w.grant.botId))] } }, select: { id: true, status: true } }),
    ]);
    const now = Date.now();
    const tokenById = new Map(tokens.map((t) => [t.id, t]));
    const members = new Set(memberships.map((m) => `${m.user_id}/${m.bot_id}`));
    const keyById = new Map(keyRows.map((k) => [k.id, k]));
    const botById = new Map(bots.map((b) => [b.id, b]));
    for (const w of open) {
      const lost = w.grant.kind === "session" ? sessionLost(w.grant) : keyLost(w.grant);
      if (lost) end(w, lost);
    }

    function sessionLost(grant: Extract<LiveGrant, { kind: "session" }>): AppError | undefined {
      const token = tokenById.get(grant.tokenId);
      if (!token || token.revokedAt) return new AppError("UNAUTHENTICATED", "Your session has ended (logged out): log in again.");
      if (token.expiresAt.getTime() <= now) return new AppError("UNAUTHENTICATED", "Your session has expired: log in again.");
      if (!botById.has(grant.botId)) return new AppError("NOT_FOUND", "Bot not found: it was deleted.");
      if (!members.has(`${grant.userId}/${grant.botId}`)) return new AppError("FORBIDDEN", "You are no longer a member of this bot's workspace.");
      return undefined;
    }

    function keyLost(grant: Extract<LiveGrant, { kind: "key" }>): AppError | undefined {
      const key = keyById.get(grant.keyId);
      if (!key || key.revokedAt || !key.isActive || key.keyHash !== grant.keyHash) {
        return new AppError("UNAUTHENTICATED", "This API key is not valid any more: it was revoked or replaced by a rotation.");
      }
      if (key.expiresAt && key.expiresAt.getTime() <= now) return new AppError("UNAUTHENTICATED", "This API key has expired.");
      if (botById.get(grant.botId)?.status !== "ACTIVE") return new AppError("FORBIDDEN", "This bot is not active.");
      return undefined;
    }
  }

  function end(w: Watched, reason: AppError) {
    watched.delete(w);
    w.controller.abort(reason);
    if (!watched.size) stopTimer();
  }

  function stopTimer() {
    clearInterval(timer);
    timer = undefined;
  }

  /** Checks now (or joins the check under way); failures are logged, and the next tick tries again. */
  function recheck(): Promise<void> {
    checking ??= check()
      .catch((error: unknown) =>
        logger.warn("could not check live streams' rights", { error: error instanceof Prisma.PrismaClientKnownRequestError ? error.code : error }),
      )
      .finally(() => (checking = undefined));
    return checking;
  }

  return {
    /** Follows a stream's rights until `release()`; the signal aborts, with the refusal as its reason, when they are gone. */
    watch(grant: LiveGrant): { signal: AbortSignal; release(): void } {
      const w: Watched = { grant, controller: new AbortController() };
      watched.add(w);
      if (!timer) {
        timer = setInterval(() => void recheck(), intervalMs);
        timer.unref();
      }
      return {
        signal: w.controller.signal,
        release() {
          watched.delete(w);
          if (!watched.size) stopTimer();
        },
      };
    },
    /** Something that changes rights happened here (log-out, removal, revocation…): check open streams at once. */
    recheck,
    /** Streams followed now (for tests and metrics). */
    get open() {
      return watched.size;
    },
    stop: stopTimer,
  };
}

export type LiveAccess = ReturnType<typeof createLiveAccess>;
