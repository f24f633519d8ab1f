import type { Config } from "../config.js";
import type { Database } from "../db/index.js";
import type { Logger } from "../logger.js";
import { createEmbedder, type Embedder } from "../providers/embeddings.js";
import { createApiKeyService } from "./tenancy/api-keys.js";
import { createAuthService } from "./tenancy/auth.js";
import { createBotService } from "./tenancy/bots.js";
import { createSourceEvents } from "./ingestion/events.js";
import type { EventTransport } from "./event-transport.js";
import { createDatabasePriority, type DatabasePriority } from "../db/priority.js";
import { createExtractionPool, type ExtractionPool } from "./ingestion/extraction-pool.js";
import { createIngestion } from "./ingestion/ingestion.js";
import { createJobRunner } from "./ingestion/jobs.js";
import { createSyncScheduler, type SyncScheduler } from "./ingestion/sync-scheduler.js";
import { createPromptService } from "./tenancy/prompts.js";
import { createSourceService } from "./ingestion/sources.js";
import { createChatService } from "./answering/chat.js";
import { createRetrieval } from "./answering/retrieval.js";
import { createRateLimiter, type RateLimiter } from "./access/rate-limits.js";
import { createUsageRecorder, type UsageRecorder } from "./operations/usage.js";
import { createPublicAccess, type PublicAccess } from "./tenancy/public-access.js";
import { createLoginThrottle } from "./access/login-throttle.js";
import { createMetrics, type Metrics } from "./operations/metrics.js";
import { createMemoryCounters, type CounterStore } from "./access/counters.js";
import { createChatModel, type ChatModel } from "../providers/chat.js";
import { createWorkspaceService } from "./tenancy/workspaces.js";
import { createMailer } from "./mail.js";
import { createLiveAccess, type LiveAccess } from "./access/live-access.js";
import { createCorrectionService, type CorrectionService } from "./answering/corrections.js";
import { createGapService, type GapService } from "./answering/gaps.js";
import { createCheckService, type CheckService } from "./answering/checks.js";
import { createBotEvents, type BotEvents } from "./bot-events.js";
import { createHandoffService, type HandoffService } from "./handoff/handoff.js";
import { createWebhookService, type WebhookService } from "./webhooks/webhooks.js";
import { createWebhookDispatcher, type WebhookDispatcher } from "./webhooks/delivery.js";

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
  readonly embedder: Embedder;
  /** Worker processes that read sources; closed by the app at stop. */
  readonly extraction: ExtractionPool;
  /** Chat's database work goes ahead of ingestion's. */
  readonly dbPriority: DatabasePriority;
  readonly auth: ReturnType<typeof createAuthService>;
  readonly workspaces: ReturnType<typeof createWorkspaceService>;
  readonly bots: ReturnType<typeof createBotService>;
  readonly prompts: ReturnType<typeof createPromptService>;
  readonly apiKeys: ReturnType<typeof createApiKeyService>;
  readonly sourceEvents: ReturnType<typeof createSourceEvents>;
  readonly jobs: ReturnType<typeof createJobRunner>;
  /** Runs link sources' scheduled syncs (started and stopped with the app). */
  readonly syncScheduler: SyncScheduler;
  readonly sources: ReturnType<typeof createSourceService>;
  readonly chatModel: ChatModel;
  readonly retrieval: ReturnType<typeof createRetrieval>;
  readonly chat: ReturnType<typeof createChatService>;
  /** The rules for public (API-key) callers: keys, pages, limits, usage. */
  readonly publicAccess: PublicAccess;
  readonly authLimiter: RateLimiter;
  readonly signUpLimiter: RateLimiter;
  /** The shared counting under every limit (Redis when configured): members' per-field limits count here too. */
  readonly counters: CounterStore;
  readonly usage: UsageRecorder;
  /** What /metrics reports (prom-client). */
  readonly metrics: Metrics;
  /** Owners' corrections of a bot's answers. */
  readonly corrections: CorrectionService;
  /** Bots' checks: corrections and saved questions, replayed on demand and after syncs. */
  readonly checks: CheckService;
  /** What happened to bots that other systems may hear of (regressions today; webhooks carry them later). */
  readonly botEvents: BotEvents;
  /** The inbox of questions bots missed, grouped by meaning. */
  readonly gaps: GapService;
  /** Live hand-off: visitors' requests for a person, the bots' queues, operators' replies. */
  readonly handoff: HandoffService;
  /** Workspaces' webhook endpoints; bot events become their deliveries. */
  readonly webhooks: WebhookService;
  /** Sends the queued webhook deliveries (started and stopped with the app). */
  readonly webhookDispatcher: WebhookDispatcher;
  /** Open subscriptions' rights, checked again while they stream. */
  readonly liveAccess: LiveAccess;
  /** Redis, shared by several instances: "off" without REDIS_URL, "degraded" while it is away (each instance then counts alone). */
  readonly redisStatus: () => "ok" | "degraded" | "off";
}

export interface ServiceOverrides {
  /** Another embedder (tests count or fail its calls). */
  embedder?: Embedder;
  /** Another chat model. */
  chatModel?: ChatModel;
  /** Where rate-limit and log-in counts live (default: in memory, or Redis from the app). */
  counters?: CounterStore;
  /** How events (sources', hand-offs') reach other instances (default: they stay in this process). */
  eventTransport?: EventTransport;
  /** Whether the shared Redis answers (default: there is none). */
  redisStatus?: () => "ok" | "degraded";
}

export function createServices(base: Pick<AppServices, "config" | "db" | "logger" | "shutdownSignal">, overrides: ServiceOverrides = {}): AppServices {
  const { config, db, logger } = base;
  const prisma = db.prisma;
  const embedder = overrides.embedder ?? createEmbedder(config);
  const bots = createBotService({ prisma, config });
  const sourceEvents = createSourceEvents(overrides.eventTransport);
  const extraction = createExtractionPool(logger, {
    workers: config.INGESTION_WORKERS,
    heapMb: config.EXTRACTION_HEAP_MB,
    timeoutMs: config.EXTRACTION_TIMEOUT_MS,
  });
  const dbPriority = createDatabasePriority();
  const botEvents = createBotEvents();
  const ingestion = createIngestion({ prisma, execute: db.execute, config, embedder, events: sourceEvents, pool: extraction, priority: dbPriority });
  const jobs = createJobRunner(
    // Checks are made below (they answer through chat, which needs more than the jobs do); a sync reaches them when it happens.
    {
      prisma,
      logger,
      ingestion,
      events: sourceEvents,
      pglite: db.kind === "pglite",
      onSynced: (botId) => checks.afterSync(botId),
      publish: botEvents.publish,
    },
    {
      workers: config.INGESTION_WORKERS,
      ...(config.INGESTION_WORKERS_PER_WORKSPACE && { perWorkspace: config.INGESTION_WORKERS_PER_WORKSPACE }),
      maxRetries: config.INGESTION_MAX_RETRIES,
      retryBaseMs: config.INGESTION_RETRY_BASE_MS,
    },
  );
  const chatModel = overrides.chatModel ?? createChatModel(config);
  const retrieval = createRetrieval({ prisma, embedder });
  const usage = createUsageRecorder({ prisma, logger });
  const apiKeys = createApiKeyService({ prisma, bots });
  const counters = overrides.counters ?? createMemoryCounters();
  const publicLimiter = createRateLimiter({
    store: counters,
    rules: [
      { per: "key", max: config.RATE_LIMIT_PER_KEY_PER_MINUTE, windowMs: 60_000 },
      { per: "bot", max: config.RATE_LIMIT_PER_BOT_PER_HOUR, windowMs: 3_600_000 },
      { per: "ip", max: config.RATE_LIMIT_PER_IP_PER_HOUR, windowMs: 3_600_000 },
    ],
  });
  const gaps = createGapService({ prisma, embedder, logger });
  const corrections = createCorrectionService({ prisma, bots, embedder, gaps });
  const handoff = createHandoffService({
    prisma,
    logger,
    publishBotEvent: botEvents.publish,
    ...(overrides.eventTransport && { transport: overrides.eventTransport }),
  });
  const chat = createChatService({
    prisma,
    config,
    logger,
    retrieval,
    model: chatModel,
    priority: dbPriority,
    corrections,
    gaps,
    handoff,
    publish: botEvents.publish,
  });
  const checks = createCheckService(
    { prisma, bots, chat, retrieval, logger, shutdownSignal: base.shutdownSignal, publish: botEvents.publish, priority: dbPriority },
    { afterSyncDelayMs: config.CHECKS_AFTER_SYNC_DELAY_MS },
  );
  const webhooks = createWebhookService({ prisma, config, logger, wake: () => webhookDispatcher.wake() });
  const webhookDispatcher = createWebhookDispatcher({ prisma, config, logger, secrets: webhooks.secrets, pglite: db.kind === "pglite" });
  botEvents.subscribe((event) => void webhooks.enqueue(event));
  const liveAccess = createLiveAccess({ prisma, logger }, { intervalMs: config.LIVE_ACCESS_CHECK_MS });
  return {
    ...base,
    liveAccess,
    handoff,
    webhooks,
    webhookDispatcher,
    redisStatus: overrides.redisStatus ?? (() => "off"),
    embedder,
    extraction,
    dbPriority,
    chatModel,
    retrieval,
    chat,
    checks,
    botEvents,
    corrections,
    gaps,
    usage,
    metrics: createMetrics({ prisma }),
    publicAccess: createPublicAccess({ config, apiKeys, limiter: publicLimiter, usage }),
    // Password guessing from one address: log-ins and sign-ups per address (per account: auth's throttle).
    counters,
    authLimiter: createRateLimiter({
      store: counters,
      scope: "auth",
      rules: [{ per: "ip", max: config.AUTH_RATE_LIMIT_PER_IP_PER_HOUR, windowMs: 3_600_000 }],
    }),
    signUpLimiter: createRateLimiter({
      store: counters,
      scope: "signup",
      rules: [{ per: "ip", max: config.AUTH_SIGNUPS_PER_IP_PER_HOUR, windowMs: 3_600_000 }],
    }),
    auth: createAuthService({
      prisma,
      config,
      logger,
      throttle: createLoginThrottle({
        store: counters,
        freeAttempts: config.AUTH_LOGIN_FREE_ATTEMPTS,
        accountFreeAttempts: config.AUTH_LOGIN_ACCOUNT_FREE_ATTEMPTS,
        maxDelayMs: config.AUTH_LOGIN_MAX_DELAY_SECONDS * 1000,
      }),
    }),
    workspaces: createWorkspaceService({ prisma, config, mailer: createMailer({ config, logger }), onMemberRemoved: handoff.memberRemoved }),
    bots,
    prompts: createPromptService({ prisma, bots }),
    apiKeys,
    sourceEvents,
    jobs,
    syncScheduler: createSyncScheduler({ prisma, logger, jobs, events: sourceEvents, limit: config.INGESTION_WORKERS, pglite: db.kind === "pglite" }),
    sources: createSourceService({ prisma, config, bots, jobs, events: sourceEvents }),
  };
}
