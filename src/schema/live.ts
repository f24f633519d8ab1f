import type { Context } from "../context.js";
import type { AppError } from "../services/errors.js";
import type { LiveGrant } from "../services/live-access.js";
import { viewerError } from "./builder.js";

/** The last event of a stream whose rights are gone; its field resolves to the refusal. */
interface Revoked {
  readonly revoked: AppError;
}

/** What the viewer opened a stream on `botId` with, to be checked again while it is open. */
function grantOf(ctx: Context, botId: string): LiveGrant {
  if (ctx.viewer.kind === "user") return { kind: "session", tokenId: ctx.viewer.actor.tokenId, userId: ctx.viewer.actor.userId, botId };
  if (ctx.viewer.kind === "apiKey") return { kind: "key", keyId: ctx.viewer.key.id, keyHash: ctx.viewer.key.keyHash, botId };
  throw viewerError(ctx);
}

/**
 * A subscription's events for as long as its viewer keeps the right to
 * them: `open` gets a signal that also aborts when the session ends, the
 * member leaves the workspace, the key is revoked or the bot goes (see
 * services/live-access.ts); the stream then ends with that refusal.
 */
export async function* whileAllowed<T>(ctx: Context, botId: string, open: (signal: AbortSignal) => AsyncIterable<T>): AsyncGenerator<T | Revoked> {
  const live = ctx.liveAccess.watch(grantOf(ctx, botId));
  try {
    for await (const event of open(AbortSignal.any([live.signal, ctx.shutdownSignal]))) {
      if (live.signal.aborted) break;
      yield event;
    }
    if (live.signal.aborted) yield { revoked: live.signal.reason as AppError };
  } finally {
    live.release();
  }
}

/** A subscription field's resolver: the event, or the refusal that ended the stream. */
export function orRevoked<T>(event: T | Revoked): T {
  if (typeof event === "object" && event !== null && "revoked" in event) throw event.revoked;
  return event;
}
