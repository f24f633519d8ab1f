import type { Context } from "../context.js";
import type { AppError } from "../services/errors.js";
import type { LiveGrant } from "../services/access/live-access.js";
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
 * them. `open` gets a signal that aborts when the session ends, the member
 * leaves the workspace, the key is revoked or the bot goes (see
 * services/access/live-access.ts), when the server shuts down, and as soon as the
 * client unsubscribes; the stream then ends, with the refusal if rights were
 * lost. Written as an iterator rather than an async generator: a
 * generator's return() would wait for the pending event (a held model
 * answer, a quiet bot), where this one aborts at once.
 */
export function whileAllowed<T>(ctx: Context, botId: string, open: (signal: AbortSignal) => AsyncIterable<T>): AsyncIterableIterator<T | Revoked> {
  const live = ctx.liveAccess.watch(grantOf(ctx, botId));
  const stop = new AbortController();
  const inner = open(AbortSignal.any([live.signal, ctx.shutdownSignal, stop.signal]))[Symbol.asyncIterator]();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    live.release();
    stop.abort();
    inner.return?.().catch(() => {});
  };
  return {
    async next(): Promise<IteratorResult<T | Revoked>> {
      if (ended) return { done: true, value: undefined };
      const result = await inner.next().catch((error: unknown) => {
        if (live.signal.aborted) return { done: true as const, value: undefined };
        throw error;
      });
      if (live.signal.aborted) {
        end();
        return { done: false, value: { revoked: live.signal.reason as AppError } };
      }
      if (result.done) end();
      return result;
    },
    return(): Promise<IteratorResult<T | Revoked>> {
      end();
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** A subscription field's resolver: the event, or the refusal that ended the stream. */
export function orRevoked<T>(event: T | Revoked): T {
  if (typeof event === "object" && event !== null && "revoked" in event) throw event.revoked;
  return event;
}
