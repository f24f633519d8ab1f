import { randomBytes, randomUUID } from "node:crypto";
import type { PrismaClient, WebhookDelivery, WebhookEndpoint } from "@prisma/client";
import { isPrivateAddress, parseHttpUrl } from "../../../connectors/web/fetch.js";
import type { Config } from "../../config.js";
import type { Logger } from "../../logger.js";
import { requireRole, type Actor } from "../access/access.js";
import { BOT_EVENT_TYPES, type BotEvent, type BotEventType } from "../bot-events.js";
import { AppError, assertId, badInput, notFound } from "../errors.js";
import { createInFlight } from "../in-flight.js";
import { loadSecretBox, type SecretBox } from "./secrets.js";

/** A delivery sent on demand from the console, to see an endpoint work. */
export const TEST_EVENT = "webhook.test";

const MAX_URL_LENGTH = 2000;
const MAX_DESCRIPTION_LENGTH = 200;
/** Endpoints a workspace may register. */
export const MAX_ENDPOINTS = 20;

export interface WebhookInput {
  url?: string | null;
  events?: readonly BotEventType[] | null;
  description?: string | null;
  enabled?: boolean | null;
}

type WebhookConfig = Pick<Config, "SECRETS_KEY" | "DATABASE_URL" | "dataDir" | "WEBHOOK_ALLOW_HTTP" | "ALLOW_PRIVATE_URLS">;

/** The body of every delivery, as Standard Webhooks recommends: a type, a timestamp, and the event's data. */
export function payloadOf(event: BotEvent, workspaceId: string): string {
  const { type, at, ...data } = event;
  return JSON.stringify({ type, timestamp: at.toISOString(), data: { workspaceId, ...data } });
}

/**
 * Workspaces' webhook endpoints, and the deliveries their bots' events
 * become. Sending is the dispatcher's (delivery.ts): nothing here waits on
 * an endpoint, so an event never slows what caused it.
 */
export function createWebhookService({ prisma, config, logger, wake }: { prisma: PrismaClient; config: WebhookConfig; logger: Logger; wake: () => void }) {
  let box: Promise<SecretBox | null> | undefined;
  const secrets = async (): Promise<SecretBox> => {
    const opened = await (box ??= loadSecretBox(config));
    if (!opened) throw new AppError("CONFLICT", "Webhooks need SECRETS_KEY set, the same on every instance sharing this database.");
    return opened;
  };

  function validUrl(value: string): string {
    let url: URL;
    try {
      url = parseHttpUrl(value.trim());
    } catch (error) {
      throw badInput((error as Error).message, "url");
    }
    if (url.href.length > MAX_URL_LENGTH) throw badInput(`The address is longer than ${MAX_URL_LENGTH} characters.`, "url");
    if (url.protocol !== "https:" && !config.WEBHOOK_ALLOW_HTTP) throw badInput("Webhook endpoints must be https:// addresses (WEBHOOK_ALLOW_HTTP).", "url");
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (!config.ALLOW_PRIVATE_URLS && (host === "localhost" || isPrivateAddress(host))) {
      throw badInput(`${url.hostname} is a private or local address, which Parley does not send to (ALLOW_PRIVATE_URLS).`, "url");
    }
    return url.href;
  }

  function validEvents(events: readonly BotEventType[]): BotEventType[] {
    const chosen = BOT_EVENT_TYPES.filter((type) => events.includes(type));
    if (!chosen.length) throw badInput("Choose at least one event.", "events");
    return chosen;
  }

  function validDescription(description: string | null | undefined): string | undefined {
    if (description == null) return undefined;
    const trimmed = description.trim();
    if (trimmed.length > MAX_DESCRIPTION_LENGTH) throw badInput(`The description is longer than ${MAX_DESCRIPTION_LENGTH} characters.`, "description");
    return trimmed;
  }

  async function endpointOf(actor: Actor, id: string): Promise<WebhookEndpoint> {
    const endpoint = await prisma.webhookEndpoint.findUnique({ where: { id: assertId(id, "webhook") } });
    if (!endpoint || !actor.roles.has(endpoint.workspaceId)) throw notFound("Webhook");
    requireRole(actor, endpoint.workspaceId, "ADMIN", "Webhook");
    return endpoint;
  }

  const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

  /** One delivery of `payload` to `endpoint`, to be sent now. */
  async function queue(endpointId: string, eventType: string, payload: string, eventId: string = `msg_${randomUUID()}`): Promise<WebhookDelivery> {
    const delivery = await prisma.webhookDelivery.create({ data: { endpointId, eventId, eventType, payload } });
    wake();
    return delivery;
  }

  /** A bot event's deliveries, one per endpoint of its workspace that wants it; never throws. */
  async function enqueue(event: BotEvent): Promise<void> {
    try {
      // One statement, the bot's workspace found through the endpoints': every unanswered question publishes an event,
      // and most workspaces have no endpoint for it.
      const endpoints = await prisma.webhookEndpoint.findMany({
        where: { enabled: true, events: { has: event.type }, workspace: { bots: { some: { id: event.botId } } } },
        select: { id: true, workspaceId: true },
      });
      if (!endpoints.length) return;
      const payload = payloadOf(event, endpoints[0]!.workspaceId);
      const eventId = `msg_${randomUUID()}`;
      await prisma.webhookDelivery.createMany({ data: endpoints.map(({ id }) => ({ endpointId: id, eventId, eventType: event.type, payload })) });
      wake();
    } catch (error) {
      logger.warn("could not queue webhook deliveries", { type: event.type, botId: event.botId, error: (error as Error).message });
    }
  }

  const queuing = createInFlight();

  return {
    /** The workspace's endpoints (admins). */
    async list(actor: Actor, workspaceId: string): Promise<WebhookEndpoint[]> {
      requireRole(actor, assertId(workspaceId, "workspace"), "ADMIN");
      return prisma.webhookEndpoint.findMany({ where: { workspaceId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    },

    /** Registers an endpoint; its signing secret is in this answer only. */
    async create(actor: Actor, workspaceId: string, input: WebhookInput): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      requireRole(actor, assertId(workspaceId, "workspace"), "ADMIN");
      const url = validUrl(input.url ?? "");
      const events = validEvents(input.events ?? []);
      if ((await prisma.webhookEndpoint.count({ where: { workspaceId } })) >= MAX_ENDPOINTS) {
        throw new AppError("CONFLICT", `A workspace can have at most ${MAX_ENDPOINTS} webhook endpoints.`);
      }
      const secret = newSecret();
      const sealed = (await secrets()).seal(secret);
      const description = validDescription(input.description) ?? "";
      const endpoint = await prisma.webhookEndpoint.create({ data: { workspaceId, url, events, description, secret: sealed } });
      return { endpoint, secret };
    },

    /** Changes an endpoint; switching it on again clears its failure. */
    async update(actor: Actor, id: string, input: WebhookInput): Promise<WebhookEndpoint> {
      const endpoint = await endpointOf(actor, id);
      const description = validDescription(input.description);
      return prisma.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: {
          ...(input.url != null && { url: validUrl(input.url) }),
          ...(input.events != null && { events: validEvents(input.events) }),
          ...(description !== undefined && { description }),
          ...(input.enabled === true && { enabled: true, disabledReason: null, failingSince: null }),
          ...(input.enabled === false && { enabled: false, disabledReason: "Switched off by an admin." }),
        },
      });
    },

    /** A new signing secret; deliveries from now on are signed with it. */
    async rotateSecret(actor: Actor, id: string): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      const endpoint = await endpointOf(actor, id);
      const secret = newSecret();
      const updated = await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { secret: (await secrets()).seal(secret) } });
      return { endpoint: updated, secret };
    },

    async remove(actor: Actor, id: string): Promise<WebhookEndpoint> {
      const endpoint = await endpointOf(actor, id);
      await prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
      return endpoint;
    },

    /** Sends the endpoint a `webhook.test` event now, whatever events it wants. */
    async sendTest(actor: Actor, id: string): Promise<WebhookDelivery> {
      const endpoint = await endpointOf(actor, id);
      if (!endpoint.enabled) throw new AppError("CONFLICT", "The endpoint is switched off: switch it on first.");
      const payload = JSON.stringify({
        type: TEST_EVENT,
        timestamp: new Date().toISOString(),
        data: { workspaceId: endpoint.workspaceId, endpointId: endpoint.id },
      });
      return queue(endpoint.id, TEST_EVENT, payload);
    },

    /** Sends a delivery's event again, as a new delivery with the same webhook-id (receivers deduplicate by it). */
    async redeliver(actor: Actor, deliveryId: string): Promise<WebhookDelivery> {
      const delivery = await prisma.webhookDelivery.findUnique({ where: { id: assertId(deliveryId, "delivery") } });
      if (!delivery) throw notFound("Delivery");
      const endpoint = await endpointOf(actor, delivery.endpointId).catch(() => {
        throw notFound("Delivery");
      });
      if (!endpoint.enabled) throw new AppError("CONFLICT", "The endpoint is switched off: switch it on first.");
      return queue(endpoint.id, delivery.eventType, delivery.payload, delivery.eventId);
    },

    /** A bot event becomes one delivery per endpoint of its workspace that wants it. Never throws. */
    enqueue: (event: BotEvent): Promise<void> => queuing.track(enqueue(event)),

    /** Waits for the events being queued (shutdown, tests): nobody awaits them, and the database must not close under them. */
    settled: () => queuing.settled(),

    /** The box the dispatcher opens secrets with. */
    secrets,
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
