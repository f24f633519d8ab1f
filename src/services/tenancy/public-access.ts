import type { ApiKey, Bot } from "@prisma/client";
import type { Config } from "../../config.js";
import type { createApiKeyService } from "./api-keys.js";
import { AppError, isId } from "../errors.js";
import { fromOwnPage, originAllowed, requestSource, widgetPageAllowed } from "../access/origins.js";
import type { RateLimiter } from "../access/rate-limits.js";
import type { UsageRecorder } from "../operations/usage.js";

/** Where a request comes from: what the rules for public callers look at. */
export interface ClientRequest {
  headers: Headers;
  /** The client's address (see context.ts clientAddress). */
  ip: string | undefined;
}

/** A public client (the widget, a partner's script) holding one bot's API key. */
export interface PublicCaller {
  key: ApiKey;
  bot: Bot;
  ip: string | null;
  userAgent: string | null;
}

/** Why an API key made no caller: an unusable key, or a page the bot does not allow. */
export type KeyProblem = "invalid" | "origin";

/** How a public call ended, for the usage log. */
export interface CallOutcome {
  tokens?: number | null;
  errorCode?: string | null;
}

/** Whether the widget page may be shown, and if not, why, in words for whoever set the page up. */
export type PageDecision = { shown: true; bot: Bot } | { shown: false; status: number; reason: string };

/**
 * Every rule for a public caller in one place: which keys and pages are let
 * in, which bot a key may use, how much it may do, and what is recorded.
 * The GraphQL context, the websocket's onConnect, the chat schema and the
 * widget page all ask here.
 */
export function createPublicAccess({
  config,
  apiKeys,
  limiter,
  usage,
}: {
  config: Pick<Config, "publicUrl" | "PORT">;
  apiKeys: Pick<ReturnType<typeof createApiKeyService>, "findUsable" | "touch">;
  limiter: RateLimiter;
  usage: Pick<UsageRecorder, "record">;
}) {
  const callerOf = (key: ApiKey & { bot: Bot }, request: ClientRequest): PublicCaller => {
    const { bot, ...row } = key;
    return { key: row, bot, ip: request.ip ?? null, userAgent: request.headers.get("user-agent") };
  };

  function record(
    caller: Pick<PublicCaller, "key" | "ip" | "userAgent"> & { bot: { id: string } },
    operation: string,
    startedAt: number,
    outcome: CallOutcome,
  ): void {
    usage.record({
      botId: caller.bot.id,
      apiKeyId: caller.key.id,
      operation,
      ip: caller.ip,
      userAgent: caller.userAgent,
      responseTimeMs: performance.now() - startedAt,
      tokens: outcome.tokens ?? null,
      errorCode: outcome.errorCode ?? null,
    });
  }

  return {
    /** The caller an API request's key makes (HTTP, SSE or websocket), or why it makes none. */
    async authenticate(secret: string, request: ClientRequest): Promise<PublicCaller | { problem: KeyProblem }> {
      const key = await apiKeys.findUsable(secret);
      if (!key) return { problem: "invalid" };
      const source = requestSource(request.headers);
      if (!fromOwnPage(source, config) && !originAllowed(key.bot, source)) return { problem: "origin" };
      apiKeys.touch(key);
      return callerOf(key, request);
    },

    /**
     * The bot a caller may talk to: its key's own, while active. `botId`,
     * when given, must be that bot.
     */
    botFor(caller: PublicCaller, botId?: string): Bot {
      if (botId !== undefined && caller.bot.id !== botId) throw new AppError("FORBIDDEN", "This API key belongs to another bot.");
      if (caller.bot.status !== "ACTIVE") throw new AppError("FORBIDDEN", "This bot is not active.");
      return caller.bot;
    },

    /**
     * Charges `calls` calls to the key's, the bot's and the address's limits.
     * A refused request is recorded as `operation`, RATE_LIMITED.
     */
    async charge(caller: PublicCaller, calls: number, operation: string): Promise<void> {
      const startedAt = performance.now();
      try {
        await limiter.check({ key: caller.key.id, bot: caller.bot.id, ...(caller.ip && { ip: caller.ip }) }, calls);
      } catch (error) {
        if (error instanceof AppError) record(caller, operation, startedAt, { errorCode: error.code });
        throw error;
      }
    },

    /** Records a public call in the usage log. */
    record,

    /**
     * The widget page (GET /widget/:botId?api_key=…): a usable key of this
     * active bot, embedded by one of its allowed sites (its Referer), or
     * opened on its own when the bot is public with no list. Recorded as
     * `widgetPage` when the key is known.
     */
    async admitPage(botId: string, secret: string | null, request: ClientRequest): Promise<PageDecision> {
      const startedAt = performance.now();
      if (!isId(botId)) return { shown: false, status: 404, reason: "There is no such chat." };
      const key = secret ? await apiKeys.findUsable(secret) : null;
      if (!key) return { shown: false, status: 401, reason: "The API key is missing, revoked or expired." };
      const caller = callerOf(key, request);
      const decision = pageDecision(caller.bot, botId, request.headers, config);
      if (decision.shown) apiKeys.touch(key);
      record(caller, "widgetPage", startedAt, { errorCode: decision.shown ? null : "FORBIDDEN" });
      return decision;
    },
  };
}

export type PublicAccess = ReturnType<typeof createPublicAccess>;

function pageDecision(bot: Bot, botId: string, headers: Headers, config: Pick<Config, "publicUrl" | "PORT">): PageDecision {
  if (bot.id !== botId) return { shown: false, status: 403, reason: "This API key belongs to another bot." };
  if (bot.status !== "ACTIVE") return { shown: false, status: 403, reason: "This bot is not active." };
  const source = requestSource(headers);
  if (fromOwnPage(source, config) || widgetPageAllowed(bot, source)) return { shown: true, bot };
  return {
    shown: false,
    status: 403,
    reason:
      source.kind === "page"
        ? `This website (${source.host}) is not one of the bot's allowed domains.`
        : "This bot can only be used from its allowed websites.",
  };
}
