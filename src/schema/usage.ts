import { assertId, badInput, notFound } from "../services/errors.js";
import { usageBuckets, type UsageBucket as UsageBucketShape } from "../services/operations/usage.js";
import { builder } from "./builder.js";

const UsageInterval = builder.enumType("UsageInterval", {
  description: "How usage is bucketed.",
  values: { HOUR: { value: "hour", description: "One bucket per hour." }, DAY: { value: "day", description: "One bucket per day (UTC)." } } as const,
});

const UsageBucket = builder.objectRef<UsageBucketShape>("UsageBucket").implement({
  description: "Public (API-key) calls and conversations in one hour or day.",
  fields: (t) => ({
    start: t.expose("start", { type: "DateTime", description: "Start of the bucket." }),
    calls: t.exposeInt("calls", { description: "Calls." }),
    errors: t.exposeInt("errors", { description: "Calls that failed or were refused (rate limits included)." }),
    p50Ms: t.exposeFloat("p50Ms", { description: "Median response time, ms (for chat: until the answer ended)." }),
    p95Ms: t.exposeFloat("p95Ms", { description: "95th percentile response time, ms." }),
    tokens: t.exposeInt("tokens", { description: "Answer tokens generated." }),
    conversations: t.exposeInt("conversations", { description: "Public conversations started in the bucket." }),
    handedOff: t.exposeInt("handedOff", { description: "Of those, the ones where the visitor asked for a person (live hand-off)." }),
  }),
});

const MAX_RANGE_MS = 400 * 24 * 3_600_000;

builder.prismaObjectFields("Bot", (t) => ({
  usage: t.field({
    type: [UsageBucket],
    description:
      "Public calls to this bot (or one of its keys) and the conversations they started, over a time range, by hour or day; empty buckets are left out.",
    args: {
      from: t.arg({ type: "DateTime", description: "Start of the range (inclusive)." }),
      to: t.arg({ type: "DateTime", description: "End of the range (exclusive)." }),
      interval: t.arg({ type: UsageInterval, description: "Bucket size." }),
      apiKeyId: t.arg.id({ required: false, description: "Only this key's calls." }),
    },
    resolve: async (bot, args, ctx) => {
      if (args.to.getTime() <= args.from.getTime()) throw badInput("`to` must be after `from`.", "to");
      if (args.to.getTime() - args.from.getTime() > MAX_RANGE_MS) throw badInput("The range can be at most 400 days.", "from");
      if (args.apiKeyId) {
        const key = await ctx.prisma.apiKey.findFirst({ where: { id: assertId(args.apiKeyId, "API key"), botId: bot.id }, select: { id: true } });
        if (!key) throw notFound("API key");
      }
      return usageBuckets(ctx.prisma, { botId: bot.id, apiKeyId: args.apiKeyId, from: args.from, to: args.to, bucket: args.interval });
    },
  }),
}));
