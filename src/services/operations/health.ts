import { checkModelProviders, type ModelProvidersStatus } from "../../providers/status.js";
import { VERSION } from "../../version.js";
import type { Config } from "../../config.js";
import type { Database } from "../../db/index.js";
import type { Logger } from "../../logger.js";

export interface HealthReport {
  /** ok: all is well; degraded: the database answers but a model provider or Redis does not; error: the database does not answer. */
  status: "ok" | "degraded" | "error";
  version: string;
  uptimeSeconds: number;
  database: { kind: "pglite" | "postgres"; ok: boolean; latencyMs: number | null; message?: string };
  providers: ModelProvidersStatus;
  redis: "ok" | "degraded" | "off";
}

const startedAt = Date.now();

export interface HealthInputs {
  db: Database;
  config: Config;
  logger: Logger;
  redisStatus: () => "ok" | "degraded" | "off";
}

export async function checkHealth({ db, config, logger, redisStatus }: HealthInputs): Promise<HealthReport> {
  const [database, providers] = await Promise.all([
    db.ping().then(
      (latencyMs) => ({ kind: db.kind, ok: true, latencyMs }),
      (error: Error) => {
        logger.error("health: database unreachable", { error });
        return { kind: db.kind, ok: false, latencyMs: null, message: "database unreachable" };
      },
    ),
    checkModelProviders(config),
  ]);
  const redis = redisStatus();
  const providersOk = providers.embedding.ok && providers.chat.ok && redis !== "degraded";
  return {
    redis,
    status: !database.ok ? "error" : providersOk ? "ok" : "degraded",
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    database,
    providers,
  };
}
