import type { AppServices } from "./index.js";

/**
 * What the services do before the first request: work a changed embedder
 * needs again, check runs a stop interrupted, the ingestion queue, the
 * scheduled syncs (a run missed while stopped runs now) and the webhook
 * deliveries.
 */
export async function startServices(services: AppServices): Promise<void> {
  const { logger, embedder } = services;
  const stale = await services.sources.reembedStale(embedder.model);
  if (stale) logger.info("sources queued to be embedded again: the embedding model changed", { sources: stale, model: embedder.model });
  // A model server down at start must not stop it: the corrections wait for the next start (and do not match meanwhile).
  const corrections = await services.corrections.reembedStale().catch((error: unknown) => {
    logger.warn("could not embed corrections again", { error: (error as Error).message });
    return 0;
  });
  if (corrections) logger.info("corrections embedded again: the embedding model changed", { corrections, model: embedder.model });
  // Check runs a stop interrupted end as failed: on PGlite all (one process), on PostgreSQL the ones quiet for 10 minutes.
  await services.checks.recoverInterrupted(services.db.kind === "pglite" ? 0 : 10 * 60_000);
  await services.jobs.start();
  await services.syncScheduler.start();
  await services.webhookDispatcher.start();
}

/**
 * Ends the services' own work, once no request is in flight: running
 * ingestion jobs go back to the queue, webhook deliveries in flight are
 * sent and recorded, check runs finish, missed questions are filed in the
 * gaps inbox and events queued for webhooks, worker processes end, and
 * usage counted in memory is written.
 */
export async function stopServices(services: AppServices): Promise<void> {
  services.liveAccess.stop();
  await services.syncScheduler.stop();
  await services.jobs.stop();
  await services.webhookDispatcher.stop();
  await services.checks.settled();
  // What answers, ratings and check runs set off without waiting: filed and queued before the database closes.
  await services.gaps.settled();
  await services.webhooks.settled();
  await services.extraction.close();
  await services.usage.stop();
}
