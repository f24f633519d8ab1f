import { checkHealth, type HealthReport } from "../services/operations/health.js";
import type { ProviderStatus } from "../providers/status.js";
import { VERSION } from "../version.js";
import { builder } from "./builder.js";

const HealthStatus = builder.enumType("HealthStatus", {
  description: "Overall state of the server.",
  values: {
    OK: { value: "ok", description: "Database and model providers answer." },
    DEGRADED: { value: "degraded", description: "The database answers; a model provider, or Redis, does not." },
    ERROR: { value: "error", description: "The database does not answer." },
  } as const,
});

const RedisStatus = builder.enumType("RedisStatus", {
  description: "Redis, which several instances share.",
  values: {
    OFF: { value: "off", description: "Not configured (REDIS_URL unset): one instance." },
    OK: { value: "ok", description: "It answers: limits and events are shared by all instances." },
    DEGRADED: { value: "degraded", description: "It does not answer: each instance counts limits alone, and events stay on their instance, until it is back." },
  } as const,
});

const DatabaseHealth = builder.objectRef<HealthReport["database"]>("DatabaseHealth").implement({
  description: "The database Parley runs on and whether it answers.",
  fields: (t) => ({
    kind: t.exposeString("kind", { description: "`pglite` (embedded) or `postgres`." }),
    ok: t.exposeBoolean("ok", { description: "Whether a round trip succeeded." }),
    latencyMs: t.exposeFloat("latencyMs", { nullable: true, description: "Round-trip time of `SELECT 1`, in milliseconds." }),
  }),
});

const ProviderHealth = builder.objectRef<ProviderStatus>("ProviderHealth").implement({
  description: "A model provider (embeddings or chat) and whether it can serve requests.",
  fields: (t) => ({
    provider: t.exposeString("provider", { description: "`ollama`, or `embedded` (in-process, needs no server)." }),
    model: t.exposeString("model", { description: "The model requests go to." }),
    ok: t.exposeBoolean("ok", { description: "Whether the provider answers and has the model." }),
    message: t.exposeString("message", { nullable: true, description: "Why `ok` is false." }),
  }),
});

const Health = builder.objectRef<HealthReport>("Health").implement({
  description: "The same report as `GET /health`.",
  fields: (t) => ({
    status: t.field({ type: HealthStatus, description: "Overall state.", resolve: (h) => h.status }),
    version: t.exposeString("version", { description: "Parley's version." }),
    uptimeSeconds: t.exposeInt("uptimeSeconds", { description: "Seconds since the process started." }),
    database: t.field({ type: DatabaseHealth, description: "The database.", resolve: (h) => h.database }),
    embedding: t.field({ type: ProviderHealth, description: "The embedding provider.", resolve: (h) => h.providers.embedding }),
    chat: t.field({ type: ProviderHealth, description: "The chat (answer-generating) provider.", resolve: (h) => h.providers.chat }),
    redis: t.field({ type: RedisStatus, description: "Redis, which several instances share.", resolve: (h) => h.redis }),
  }),
});

builder.queryFields((t) => ({
  version: t.string({
    description: "Parley's version.",
    resolve: () => VERSION,
  }),
  health: t.field({
    type: Health,
    description: "Whether the server, its database and its model providers are working.",
    resolve: (_root, _args, ctx) => checkHealth(ctx),
  }),
}));
