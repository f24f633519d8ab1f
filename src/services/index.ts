import type { Config } from "../config.js";
import type { Database } from "../db/index.js";
import type { Logger } from "../logger.js";
import { createApiKeyService } from "./api-keys.js";
import { createAuthService } from "./auth.js";
import { createBotService } from "./bots.js";
import { createPromptService } from "./prompts.js";
import { createWorkspaceService } from "./workspaces.js";

/**
 * What lives as long as the process: built once by buildApp and shared by
 * every request's context. Services here know nothing about GraphQL.
 */
export interface AppServices {
  readonly config: Config;
  readonly db: Database;
  readonly logger: Logger;
  /** Aborted when shutdown begins, so long-lived streams can end themselves. */
  readonly shutdownSignal: AbortSignal;
  readonly auth: ReturnType<typeof createAuthService>;
  readonly workspaces: ReturnType<typeof createWorkspaceService>;
  readonly bots: ReturnType<typeof createBotService>;
  readonly prompts: ReturnType<typeof createPromptService>;
  readonly apiKeys: ReturnType<typeof createApiKeyService>;
}

export function createServices(base: Pick<AppServices, "config" | "db" | "logger" | "shutdownSignal">): AppServices {
  const prisma = base.db.prisma;
  const bots = createBotService({ prisma, config: base.config });
  return {
    ...base,
    auth: createAuthService({ prisma, config: base.config, logger: base.logger }),
    workspaces: createWorkspaceService({ prisma }),
    bots,
    prompts: createPromptService({ prisma, bots }),
    apiKeys: createApiKeyService({ prisma, bots }),
  };
}
