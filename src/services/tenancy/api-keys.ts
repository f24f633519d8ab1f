import type { ApiKey, Bot, PrismaClient } from "@prisma/client";
import { authorizeBotChild, EDITOR, type Actor } from "../access/access.js";
import type { BotService } from "./bots.js";
import { assertId, badInput } from "../errors.js";
import { newSecret, sha256 } from "../access/secrets.js";

/** Public API keys look like `pk_<43 chars>`; the prefix makes a leaked one recognisable. */
export const API_KEY_PREFIX = "pk";
/** How much of a key is kept for display: `pk_` and 8 characters. */
const DISPLAY_LENGTH = API_KEY_PREFIX.length + 1 + 8;

export interface IssuedKey {
  apiKey: ApiKey;
  /** The full secret: shown once, never stored. */
  secret: string;
}

const LAST_USED_RESOLUTION_MS = 5 * 60_000;

/** How long the console's preview key works, and what its chats are counted under in usage. */
export const PREVIEW_TTL_MS = 3_600_000;
export const PREVIEW_KEY_NAME = "Console preview";

function issue(): { secret: string; keyHash: string; prefix: string } {
  const secret = newSecret(API_KEY_PREFIX);
  return { secret, keyHash: sha256(secret), prefix: secret.slice(0, DISPLAY_LENGTH) };
}

export function createApiKeyService({ prisma, bots }: { prisma: PrismaClient; bots: BotService }) {
  async function load(actor: Actor, keyId: string): Promise<ApiKey> {
    const key = await prisma.apiKey.findUnique({ where: { id: assertId(keyId, "API key") }, include: { bot: { select: { workspaceId: true } } } });
    return authorizeBotChild(actor, key, "API key");
  }

  return {
    async create(actor: Actor, botId: string, input: { name: string; expiresAt?: Date | null }): Promise<IssuedKey> {
      const bot = await bots.load(actor, botId, EDITOR);
      if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw badInput("expiresAt must be in the future.", "expiresAt");
      const { secret, keyHash, prefix } = issue();
      const apiKey = await prisma.apiKey.create({ data: { botId: bot.id, name: input.name, keyHash, prefix, expiresAt: input.expiresAt ?? null } });
      return { apiKey, secret };
    },

    /**
     * The key behind the console's live preview of a bot's widget: one per
     * bot and person, for an hour. Opening a new one ends the person's last
     * (the console keeps the secret while it lasts, so reloads reuse it);
     * preview keys are not listed among the bot's keys.
     */
    async preview(actor: Actor, botId: string): Promise<IssuedKey> {
      const bot = await bots.load(actor, botId, EDITOR);
      const { secret, keyHash, prefix } = issue();
      const [, apiKey] = await prisma.$transaction([
        prisma.apiKey.updateMany({
          where: { botId: bot.id, preview: true, createdById: actor.userId, revokedAt: null },
          data: { isActive: false, revokedAt: new Date() },
        }),
        prisma.apiKey.create({
          data: {
            botId: bot.id,
            name: PREVIEW_KEY_NAME,
            keyHash,
            prefix,
            preview: true,
            createdById: actor.userId,
            expiresAt: new Date(Date.now() + PREVIEW_TTL_MS),
          },
        }),
      ]);
      return { apiKey, secret };
    },

    /** A new secret for the same key; the old one stops working at once. */
    async rotate(actor: Actor, keyId: string): Promise<IssuedKey> {
      const key = await load(actor, keyId);
      const { secret, keyHash, prefix } = issue();
      const apiKey = await prisma.apiKey.update({ where: { id: key.id }, data: { keyHash, prefix, lastUsedAt: null } });
      return { apiKey, secret };
    },

    async revoke(actor: Actor, keyId: string): Promise<ApiKey> {
      const key = await load(actor, keyId);
      if (key.revokedAt) return key;
      return prisma.apiKey.update({ where: { id: key.id }, data: { isActive: false, revokedAt: new Date() } });
    },

    /** Records that a key was used, at most once per few minutes per key (no write per request or token). */
    touch(key: ApiKey): void {
      if (key.lastUsedAt && Date.now() - key.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
      key.lastUsedAt = new Date();
      prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: key.lastUsedAt } }).catch(() => {});
    },

    /**
     * The key behind a secret, with its bot, when it may be used now: active,
     * not revoked, not expired. Anything else is null, whatever the reason,
     * so callers cannot probe which keys exist.
     */
    async findUsable(secret: string): Promise<(ApiKey & { bot: Bot }) | null> {
      if (!secret.startsWith(`${API_KEY_PREFIX}_`) || secret.length > 200) return null;
      const key = await prisma.apiKey.findUnique({ where: { keyHash: sha256(secret) }, include: { bot: true } });
      if (!key || !key.isActive || key.revokedAt) return null;
      if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return null;
      return key;
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
