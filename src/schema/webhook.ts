import type { WebhookEndpoint as EndpointRow } from "@prisma/client";
import { BOT_EVENT_TYPES, type BotEventType } from "../services/bot-events.js";
import { MAX_ENDPOINTS } from "../services/webhooks/webhooks.js";
import { actorOf, builder } from "./builder.js";

export const WebhookEventType = builder.enumType("WebhookEventType", {
  description: "What a webhook endpoint can be sent. The body's `type` is the value in brackets.",
  values: {
    SOURCE_SYNCED: { value: "source.synced", description: "A source was read and stored (`source.synced`)." },
    SOURCE_CHANGED: {
      value: "source.changed",
      description: "A link's sync found pages added, changed or removed; `urls` lists them (`source.changed`).",
    },
    SOURCE_FAILED: { value: "source.failed", description: "A source could not be read, for good (`source.failed`)." },
    CONVERSATION_UNANSWERED: {
      value: "conversation.unanswered",
      description: "The bot could not answer a question from its sources (`conversation.unanswered`).",
    },
    ANSWER_RATED_DOWN: { value: "answer.rated_down", description: "A visitor rated an answer down (`answer.rated_down`)." },
    CHECKS_REGRESSED: { value: "checks.regressed", description: "A check that passed now fails (`checks.regressed`)." },
    HANDOFF_REQUESTED: { value: "handoff.requested", description: "A visitor asked for a person and joined the queue (`handoff.requested`)." },
    LEAD_CREATED: { value: "lead.created", description: "A visitor left a message when nobody could come (`lead.created`)." },
  } as const satisfies Record<string, { value: BotEventType; description: string }>,
});

const DeliveryStatus = builder.enumType("DeliveryStatus", {
  description: "Where a delivery stands.",
  values: {
    PENDING: { description: "Waiting for its first attempt or its next retry." },
    DELIVERED: { description: "The endpoint answered 2xx." },
    FAILED: { description: "Every retry failed, or the endpoint was switched off." },
  } as const,
});

export const WebhookDelivery = builder.prismaObject("WebhookDelivery", {
  authScopes: async (delivery, ctx) => ({ workspace: (await ctx.loaders.webhookWorkspace.load(delivery.endpointId)) ?? "" }),
  description: "One event sent (or to be sent) to one endpoint, with what its last attempt got back.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The delivery's id." }),
    eventId: t.exposeString("eventId", { description: "The `webhook-id` header: the same for every delivery of one event (redeliveries too)." }),
    eventType: t.exposeString("eventType", { description: "The event's type (`lead.created`…, or `webhook.test`)." }),
    payload: t.exposeString("payload", { description: "The JSON body, exactly as signed and sent." }),
    status: t.expose("status", { type: DeliveryStatus, description: "Pending, delivered or failed." }),
    attempts: t.exposeInt("attempts", { description: "Attempts made so far." }),
    nextAttemptAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When it is tried next, while PENDING.",
      resolve: (d) => (d.status === "PENDING" ? d.nextAttemptAt : null),
    }),
    lastAttemptAt: t.expose("lastAttemptAt", { type: "DateTime", nullable: true, description: "When it was last tried." }),
    responseStatus: t.exposeInt("responseStatus", { nullable: true, description: "The HTTP status of the last attempt's answer; null when none came." }),
    lastError: t.exposeString("lastError", {
      nullable: true,
      description: "What went wrong in the last attempt (the status and the start of the answer, or the network error).",
    }),
    durationMs: t.exposeInt("durationMs", { nullable: true, description: "How long the last attempt took, ms." }),
    deliveredAt: t.expose("deliveredAt", { type: "DateTime", nullable: true, description: "When the endpoint accepted it." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the event happened (or the redelivery was asked for)." }),
  }),
});

export const WebhookEndpoint = builder.prismaObject("WebhookEndpoint", {
  // Checked wherever in the graph one is reached.
  authScopes: (endpoint) => ({ workspace: endpoint.workspaceId }),
  description: "An address a workspace's events are sent to, signed with its secret (Standard Webhooks). The secret is stored encrypted and shown once.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The endpoint's id." }),
    url: t.exposeString("url", { description: "Where deliveries are POSTed." }),
    description: t.exposeString("description", { description: "What it is for." }),
    events: t.field({
      type: [WebhookEventType],
      extensions: { listSize: BOT_EVENT_TYPES.length },
      description: "The events it is sent.",
      resolve: (e) => e.events as BotEventType[],
    }),
    enabled: t.exposeBoolean("enabled", { description: "Whether it is sent events now." }),
    disabledReason: t.exposeString("disabledReason", { nullable: true, description: "Why it was switched off (by an admin, or after failing for a day)." }),
    failingSince: t.expose("failingSince", {
      type: "DateTime",
      nullable: true,
      description: "Its first failure since its last success; null while it delivers.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was registered." }),
    deliveries: t.relatedConnection("deliveries", {
      description: "Its deliveries, newest first.",
      cursor: "id",
      totalCount: true,
      args: { status: t.arg({ type: DeliveryStatus, required: false, description: "Only these." }) },
      query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: [{ createdAt: "desc" as const }, { id: "desc" as const }] }),
    }),
  }),
});

const IssuedWebhook = builder.objectRef<{ endpoint: EndpointRow; secret: string }>("IssuedWebhook").implement({
  description: "An endpoint with its signing secret. The secret is shown only in this answer: store it now.",
  fields: (t) => ({
    webhook: t.field({ type: WebhookEndpoint, description: "The endpoint.", resolve: (issued) => issued.endpoint }),
    secret: t.exposeString("secret", { description: "`whsec_…`: give it to your receiver's Standard Webhooks library to verify signatures." }),
  }),
});

const WebhookInput = builder.inputType("WebhookInput", {
  description: "An endpoint's settings; fields left out stay as they are.",
  fields: (t) => ({
    url: t.string({ required: false, description: "An https:// address (http:// only with WEBHOOK_ALLOW_HTTP); not a private one." }),
    events: t.field({ type: [WebhookEventType], required: false, description: "The events it is sent (at least one)." }),
    description: t.string({ required: false, description: "What it is for (at most 200 characters)." }),
    enabled: t.boolean({ required: false, description: "Switch it off, or on again (which clears its failure)." }),
  }),
});

builder.prismaObjectFields("Workspace", (t) => ({
  webhooks: t.field({
    type: [WebhookEndpoint],
    description: "Where this workspace's events are sent (owners and admins; at most 20).",
    extensions: { listSize: MAX_ENDPOINTS },
    resolve: (workspace, _args, ctx) => ctx.webhooks.list(actorOf(ctx), workspace.id),
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: IssuedWebhook,
    description: "Registers an endpoint for the workspace's events (owner or admin). Its signing secret is in this answer only.",
    authScopes: { user: true },
    args: { workspaceId: t.arg.id({ description: "Workspace id." }), input: t.arg({ type: WebhookInput, description: "Its address and events." }) },
    resolve: (_root, args, ctx) => ctx.webhooks.create(actorOf(ctx), args.workspaceId, args.input),
  }),
  updateWebhook: t.field({
    type: WebhookEndpoint,
    description: "Changes an endpoint, or switches it off or on.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Webhook id." }), input: t.arg({ type: WebhookInput, description: "What to change." }) },
    resolve: (_root, args, ctx) => ctx.webhooks.update(actorOf(ctx), args.id, args.input),
  }),
  rotateWebhookSecret: t.field({
    type: IssuedWebhook,
    description: "Replaces an endpoint's signing secret; deliveries from now on are signed with the new one.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Webhook id." }) },
    resolve: (_root, args, ctx) => ctx.webhooks.rotateSecret(actorOf(ctx), args.id),
  }),
  deleteWebhook: t.field({
    type: WebhookEndpoint,
    description: "Removes an endpoint and its delivery log.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Webhook id." }) },
    resolve: (_root, args, ctx) => ctx.webhooks.remove(actorOf(ctx), args.id),
  }),
  testWebhook: t.prismaField({
    type: WebhookDelivery,
    description: "Sends the endpoint a `webhook.test` event now; follow it in its deliveries.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Webhook id." }) },
    resolve: (_query, _root, args, ctx) => ctx.webhooks.sendTest(actorOf(ctx), args.id),
  }),
  redeliverWebhook: t.prismaField({
    type: WebhookDelivery,
    description: "Sends a delivery's event again, as a new delivery with the same `webhook-id`.",
    authScopes: { user: true },
    args: { deliveryId: t.arg.id({ description: "Delivery id." }) },
    resolve: (_query, _root, args, ctx) => ctx.webhooks.redeliver(actorOf(ctx), args.deliveryId),
  }),
}));
