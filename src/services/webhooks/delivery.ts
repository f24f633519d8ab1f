import type { PrismaClient } from "@prisma/client";
import { Webhook } from "standardwebhooks";
import { fetch } from "undici";
import { guardedDispatcher } from "../../../connectors/web/fetch.js";
import type { Config } from "../../config.js";
import type { Logger } from "../../logger.js";
import { createWorkLoop } from "../work-loop.js";
import type { SecretBox } from "./secrets.js";

type DeliveryConfig = Pick<Config, "ALLOW_PRIVATE_URLS" | "WEBHOOK_RETRY_DELAYS_MS" | "WEBHOOK_DISABLE_AFTER_MS" | "WEBHOOK_TIMEOUT_MS">;

/** Deliveries sent at once by one instance. */
const BATCH = 8;
/** How often idle instances look for due deliveries others queued (PostgreSQL); on PGlite only this process queues them. */
const POLL_MS = 1000;
const IDLE_MAX_MS = 60_000;
/** A delivery locked longer than this belongs to a process that died: it is sent again. */
const LEASE_MS = 60_000;
/** What is kept of an endpoint's answer or error. */
const MAX_ERROR_LENGTH = 500;

interface Claimed {
  id: string;
  endpoint_id: string;
  event_id: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
}

interface Outcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Sends queued webhook deliveries: each signed (Standard Webhooks:
 * webhook-id, webhook-timestamp, webhook-signature over both and the body),
 * retried on the configured schedule, recorded. Several instances share the
 * queue: a delivery is claimed with SKIP LOCKED and a lease, so it is sent by
 * one at a time and again only if that one died.
 */
export function createWebhookDispatcher({
  prisma,
  config,
  logger,
  secrets,
  pglite,
}: {
  prisma: PrismaClient;
  config: DeliveryConfig;
  logger: Logger;
  secrets: () => Promise<SecretBox>;
  pglite: boolean;
}) {
  const delays = config.WEBHOOK_RETRY_DELAYS_MS.split(",").map(Number);
  async function claim(): Promise<Claimed[]> {
    return prisma.$queryRaw<Claimed[]>`
      UPDATE webhook_deliveries d SET locked_at = now(), attempts = d.attempts + 1, last_attempt_at = now()
      FROM webhook_endpoints e
      WHERE e.id = d.endpoint_id AND d.id IN (
        SELECT q.id FROM webhook_deliveries q JOIN webhook_endpoints qe ON qe.id = q.endpoint_id
        WHERE q.status = 'PENDING' AND q.next_attempt_at <= now() AND qe.enabled
          AND (q.locked_at IS NULL OR q.locked_at < now() - make_interval(secs => ${LEASE_MS / 1000}))
        ORDER BY q.next_attempt_at LIMIT ${BATCH} FOR UPDATE OF q SKIP LOCKED)
      RETURNING d.id::text, d.endpoint_id::text, d.event_id, d.payload, d.attempts, e.url, e.secret`;
  }

  async function send(delivery: Claimed): Promise<Outcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const signer = new Webhook((await secrets()).open(delivery.secret));
      const now = new Date();
      const response = await fetch(delivery.url, {
        method: "POST",
        redirect: "manual",
        dispatcher: guardedDispatcher(config.ALLOW_PRIVATE_URLS),
        signal: AbortSignal.timeout(config.WEBHOOK_TIMEOUT_MS),
        headers: {
          "content-type": "application/json",
          "user-agent": "Parley-Webhooks/1",
          "webhook-id": delivery.event_id,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": signer.sign(delivery.event_id, now, delivery.payload),
        },
        body: delivery.payload,
      });
      const ok = response.status >= 200 && response.status < 300;
      const said = ok ? null : `${response.status} ${response.statusText} ${(await response.text().catch(() => "")).slice(0, MAX_ERROR_LENGTH)}`.trim();
      if (ok) await response.body?.cancel();
      return { ok, status: response.status, error: said, durationMs: elapsed() };
    } catch (error) {
      let cause = error as Error;
      while (cause.cause instanceof Error) cause = cause.cause;
      const message = (error as Error).name === "TimeoutError" ? `No answer within ${config.WEBHOOK_TIMEOUT_MS / 1000} s.` : cause.message;
      return { ok: false, status: null, error: message.slice(0, MAX_ERROR_LENGTH), durationMs: elapsed() };
    }
  }

  async function record(delivery: Claimed, outcome: Outcome): Promise<void> {
    const seen = { responseStatus: outcome.status, durationMs: outcome.durationMs, lastError: outcome.error, lockedAt: null };
    if (outcome.ok) {
      await prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { ...seen, status: "DELIVERED", deliveredAt: new Date() } });
      await prisma.webhookEndpoint.updateMany({ where: { id: delivery.endpoint_id, failingSince: { not: null } }, data: { failingSince: null } });
      return;
    }
    const delay = delays[delivery.attempts - 1];
    await prisma.webhookDelivery.update({
      where: { id: delivery.id },
      data: delay === undefined ? { ...seen, status: "FAILED" } : { ...seen, nextAttemptAt: new Date(Date.now() + delay) },
    });
    await failing(delivery.endpoint_id);
  }

  /** Notes an endpoint's failure; one failing for WEBHOOK_DISABLE_AFTER_MS without a success is switched off. */
  async function failing(endpointId: string): Promise<void> {
    await prisma.webhookEndpoint.updateMany({ where: { id: endpointId, failingSince: null }, data: { failingSince: new Date() } });
    const since = new Date(Date.now() - config.WEBHOOK_DISABLE_AFTER_MS);
    const off = await prisma.webhookEndpoint.updateMany({
      where: { id: endpointId, enabled: true, failingSince: { lte: since } },
      data: { enabled: false, disabledReason: "Switched off: every delivery failed for a day. Fix the endpoint, then switch it on again." },
    });
    if (!off.count) return;
    await prisma.webhookDelivery.updateMany({
      where: { endpointId, status: "PENDING" },
      data: { status: "FAILED", lastError: "The endpoint was switched off.", lockedAt: null },
    });
    logger.warn("webhook endpoint switched off after failing for a day", { endpointId });
  }

  /** When the next delivery is due (PGlite's idle worker sleeps until then, or until woken). */
  async function nextDue(): Promise<number> {
    const [row] = await prisma.$queryRaw<{ due: Date | null }[]>`
      SELECT min(d.next_attempt_at) AS due FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
      WHERE d.status = 'PENDING' AND e.enabled`;
    return row?.due ? Math.max(0, row.due.getTime() - Date.now()) : IDLE_MAX_MS;
  }

  const loop = createWorkLoop({
    round: async () => {
      const batch = await claim();
      await Promise.all(
        batch.map(async (delivery) =>
          record(delivery, await send(delivery)).catch((error: unknown) => logger.warn("could not record a webhook delivery", { error })),
        ),
      );
      return batch.length === BATCH;
    },
    failing: "read the webhook queue",
    logger,
    nextDueMs: nextDue,
    pglite,
    pollMs: POLL_MS,
    idleMaxMs: IDLE_MAX_MS,
  });

  return {
    /** Starts sending; deliveries a stopped process had claimed are sent again (on PGlite all of them: it was the only one). */
    async start(): Promise<void> {
      if (pglite) await prisma.webhookDelivery.updateMany({ where: { status: "PENDING", lockedAt: { not: null } }, data: { lockedAt: null } });
      loop.start();
    },
    /** Something was queued: send it now rather than at the next poll. */
    wake: loop.wake,
    /** Stops after the deliveries in flight are sent and recorded. */
    stop: loop.stop,
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
