import type { Config } from "../config.js";
import type { Database } from "../db/index.js";
import type { Logger } from "../logger.js";

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
}
