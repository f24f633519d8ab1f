import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from "@pothos/core";
import type { GraphQLFieldResolver, GraphQLResolveInfo } from "graphql";
import { getGraphQLRateLimiter, type Store } from "graphql-rate-limit";
import ms, { type StringValue } from "ms";
import type { Config } from "../config.js";
import type { Context } from "../context.js";
import type { CounterStore, Refusal } from "../services/access/counters.js";
import { AppError } from "../services/errors.js";

/**
 * Per-member limits on the fields that cost the server work (asking in the
 * playground, ingesting, replaying checks), declared where each field is:
 * `extensions: { rateLimit: { max: "MEMBER_ASKS_PER_MINUTE", window: "1m" } }`,
 * in graphql-rate-limit's terms (its field identity, its `ms` windows), the
 * most calls per member a number or the setting that holds it. API keys'
 * calls are charged once per request by the public caller
 * (http/public-caller.ts) instead.
 */
export interface FieldRateLimit {
  max: number | Exclude<{ [K in keyof Config]: Config[K] extends number ? K : never }[keyof Config], undefined>;
  /** An `ms` duration: "1m", "1h". */
  window: StringValue;
}

/** Asking: sendMessage, and chat in the console's playground. */
export const MEMBER_ASKS: FieldRateLimit = { max: "MEMBER_ASKS_PER_MINUTE", window: "1m" };
/** Starting work: ingesting, resyncing, replaying checks, importing corrections. */
export const MEMBER_WORK: FieldRateLimit = { max: "MEMBER_WORK_PER_HOUR", window: "1h" };

/**
 * graphql-rate-limit's store contract is a read of an identity's calls, then
 * a write of them: two instances could both admit the last free call. This
 * store counts in its read instead, one atomic step in the shared counters
 * (a Lua script on Redis), and reports a full window when that step refused;
 * the write-back is dropped, since it would erase calls counted meanwhile.
 * One store per check: it carries the field's limit and brings back the wait.
 */
function countingStore(counters: CounterStore, limit: { max: number; windowMs: number }) {
  let refusal: Refusal | null = null;
  const store: Store = {
    async getForIdentity({ contextIdentity, fieldIdentity }) {
      refusal = await counters.take([{ key: `field:${contextIdentity}:${fieldIdentity}`, ...limit }], 1);
      return refusal ? new Array<number>(limit.max).fill(Date.now()) : [];
    },
    setForIdentity() {},
  };
  return { store, refusal: () => refusal };
}

/** Counts one call by the signed-in member to this field; RATE_LIMITED with the seconds to wait when over. */
async function check(limit: FieldRateLimit & { windowMs: number }, args: object, context: Context, info: GraphQLResolveInfo): Promise<void> {
  if (context.viewer.kind !== "user") return;
  const { windowMs } = limit;
  const max = typeof limit.max === "number" ? limit.max : context.config[limit.max];
  const counting = countingStore(context.counters, { max, windowMs });
  const limiter = getGraphQLRateLimiter({
    store: counting.store,
    identifyContext: (ctx: Context) => (ctx.viewer.kind === "user" ? ctx.viewer.actor.userId : ""),
  });
  const refused = await limiter({ parent: undefined, args, context, info }, { max, window: limit.window });
  if (!refused) return;
  const retryAfterSeconds = Math.max(1, Math.ceil((counting.refusal()?.waitMs ?? windowMs) / 1000));
  throw new AppError("RATE_LIMITED", `Too many calls to ${info.fieldName} (${max} per ${ms(windowMs, { long: true })}); try again in ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
    limit: max,
    windowSeconds: windowMs / 1000,
  });
}

/** A field's declared limit, its window in milliseconds (a window `ms` cannot read stops the schema's build). */
function limitOf(config: { parentType: string; name: string; extensions?: Readonly<Record<string, unknown>> | null }) {
  const limit = config.extensions?.rateLimit as FieldRateLimit | undefined;
  if (!limit) return undefined;
  const windowMs = ms(limit.window);
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new Error(`${config.parentType}.${config.name}: rateLimit window "${limit.window}" is not a duration`);
  return { ...limit, windowMs };
}

type Resolver<Types extends SchemaTypes> = GraphQLFieldResolver<unknown, Types["Context"], object>;

function limited<Types extends SchemaTypes>(resolver: Resolver<Types>, limit: FieldRateLimit & { windowMs: number }): Resolver<Types> {
  return async (parent, args, context, info) => {
    // The plugin is registered on Parley's one builder, whose context is Context.
    await check(limit, args, context as Context, info);
    return resolver(parent, args, context, info);
  };
}

/** Wraps each field that declares a `rateLimit` (its subscribe, for a subscription) in the check. */
class FieldLimitsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: Resolver<Types>, config: PothosOutputFieldConfig<Types>): Resolver<Types> {
    const limit = limitOf(config);
    return limit && config.kind !== "Subscription" ? limited(resolver, limit) : resolver;
  }

  override wrapSubscribe(subscribe: Resolver<Types> | undefined, config: PothosOutputFieldConfig<Types>): Resolver<Types> | undefined {
    const limit = limitOf(config);
    return limit && subscribe ? limited(subscribe, limit) : subscribe;
  }
}

declare global {
  // Pothos plugins declare themselves in this global namespace (as Pothos' own plugins do).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      fieldLimits: FieldLimitsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin("fieldLimits", FieldLimitsPlugin);

export default "fieldLimits" as const;
