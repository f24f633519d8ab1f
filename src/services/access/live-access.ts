import { Prisma, type PrismaClient } from "@prisma/client";
import type { Logger } from "../../logger.js";
import { AppError } from "../errors.js";

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

interface SessionRow {
  i: number;
  token: boolean;
  revoked: boolean;
  expires_at: Date | null;
  bot: boolean;
  member: boolean;
}

function sessionLost(row: SessionRow, now: number): AppError | undefined {
  if (!row.token || row.revoked) return new AppError("UNAUTHENTICATED", "Your session has ended (logged out): log in again.");
  if (row.expires_at && new Date(row.expires_at).getTime() <= now) return new AppError("UNAUTHENTICATED", "Your session has expired: log in again.");
  if (!row.bot) return new AppError("NOT_FOUND", "Bot not found: it was deleted.");
  if (!row.member) return new AppError("FORBIDDEN", "You are no longer a member of this bot's workspace.");
  return undefined;
}

function keyLost(
  row: { key_hash: string | null; usable: boolean | null; expires_at: Date | null; active_bot: boolean },
  grant: { keyHash: string },
  now: number,
): AppError | undefined {
  if (!row.usable || row.key_hash !== grant.keyHash) {
    return new AppError("UNAUTHENTICATED", "This API key is not valid any more: it was revoked or replaced by a rotation.");
  }
  if (row.expires_at && new Date(row.expires_at).getTime() <= now) return new AppError("UNAUTHENTICATED", "This API key has expired.");
  if (!row.active_bot) return new AppError("FORBIDDEN", "This bot is not active.");
  return undefined;
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

  /** Every open stream's grant, as the database has it now: one statement per kind of grant. */
  async function check(): Promise<void> {
    const open = [...watched];
    if (!open.length) return;
    const sessions = open.flatMap((w) => (w.grant.kind === "session" ? [w.grant] : []));
    const keys = open.flatMap((w) => (w.grant.kind === "key" ? [w.grant] : []));
    const sessionRows = sessions.length
      ? await prisma.$queryRaw<SessionRow[]>`
          SELECT g.i, t.id IS NOT NULL AS token, t.revoked_at IS NOT NULL AS revoked, t.expires_at, b.id IS NOT NULL AS bot, m.user_id IS NOT NULL AS member
          FROM unnest(${sessions.map((s) => s.tokenId)}::text[], ${sessions.map((s) => s.botId)}::text[], ${sessions.map((s) => s.userId)}::text[])
            WITH ORDINALITY AS g(token_id, bot_id, user_id, i)
          LEFT JOIN auth_tokens t ON t.id::text = g.token_id
          LEFT JOIN bots b ON b.id::text = g.bot_id
          LEFT JOIN memberships m ON m.workspace_id = b.workspace_id AND m.user_id::text = g.user_id`
      : [];
    const keyRows = keys.length
      ? await prisma.$queryRaw<{ i: number; key_hash: string | null; usable: boolean | null; expires_at: Date | null; active_bot: boolean }[]>`
          SELECT g.i, k.key_hash, k.is_active AND k.revoked_at IS NULL AS usable, k.expires_at, coalesce(b.status = 'ACTIVE', false) AS active_bot
          FROM unnest(${keys.map((k) => k.keyId)}::text[], ${keys.map((k) => k.botId)}::text[]) WITH ORDINALITY AS g(key_id, bot_id, i)
          LEFT JOIN api_keys k ON k.id::text = g.key_id
          LEFT JOIN bots b ON b.id::text = g.bot_id`
      : [];
    const now = Date.now();
    const sessionsLost = new Map(sessionRows.map((row) => [Number(row.i) - 1, sessionLost(row, now)]));
    const keysLost = new Map(keyRows.map((row) => [Number(row.i) - 1, keyLost(row, keys[Number(row.i) - 1]!, now)]));
    let s = 0;
    let k = 0;
    for (const w of open) {
      const lost = w.grant.kind === "session" ? sessionsLost.get(s++) : keysLost.get(k++);
      if (lost) end(w, lost);
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
