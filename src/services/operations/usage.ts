import type { PrismaClient } from "@prisma/client";
import type { Logger } from "../../logger.js";

export interface UsageEvent {
  botId: string;
  apiKeyId: string | null;
  /** The public operation: chat, sendMessage, rateMessage, publicBot. */
  operation: string;
  ip?: string | null;
  userAgent?: string | null;
  responseTimeMs: number;
  tokens?: number | null;
  errorCode?: string | null;
}

/**
 * Records public calls without slowing them: events are buffered and
 * written in batches (every `flushMs`, or at `maxBatch`), and the last
 * batch is written on shutdown.
 */
export function createUsageRecorder({
  prisma,
  logger,
  flushMs = 1000,
  maxBatch = 500,
}: {
  prisma: PrismaClient;
  logger: Logger;
  flushMs?: number;
  maxBatch?: number;
}) {
  let buffer: UsageEvent[] = [];
  let writing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();

  function flush(): Promise<void> {
    if (!buffer.length) return writing;
    const batch = buffer;
    buffer = [];
    writing = writing.then(() =>
      prisma.apiKeyUsage
        .createMany({
          data: batch.map((e) => ({
            botId: e.botId,
            apiKeyId: e.apiKeyId,
            operation: e.operation,
            ip: e.ip ?? null,
            userAgent: e.userAgent?.slice(0, 512) ?? null,
            responseTimeMs: Math.round(e.responseTimeMs),
            tokens: e.tokens ?? null,
            errorCode: e.errorCode ?? null,
          })),
        })
        .then(
          () => {},
          (error: unknown) => logger.warn("could not record usage", { count: batch.length, error: (error as Error).message }),
        ),
    );
    return writing;
  }

  return {
    record(event: UsageEvent): void {
      buffer.push(event);
      if (buffer.length >= maxBatch) void flush();
    },
    flush,
    async stop(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}

export type UsageRecorder = ReturnType<typeof createUsageRecorder>;

export interface UsageBucket {
  start: Date;
  calls: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  tokens: number;
  /** Conversations started in the bucket. */
  conversations: number;
  /** Of those, the ones where the visitor asked for a person. */
  handedOff: number;
}

type Range = { botId: string; apiKeyId?: string | null; from: Date; to: Date; bucket: "hour" | "day" };

/** Public conversations (through an API key) started per hour or day, and how many of them were handed to a person. */
async function conversationBuckets(prisma: PrismaClient, { botId, apiKeyId, from, to, bucket }: Range) {
  return prisma.$queryRawUnsafe<{ start: Date; conversations: bigint; handed_off: bigint }[]>(
    `SELECT date_trunc($1, created_at) AS start, count(*) AS conversations, count(*) FILTER (WHERE handed_off) AS handed_off
     FROM chat_sessions
     WHERE bot_id = $2::uuid AND created_at >= $3 AND created_at < $4 AND api_key_id IS NOT NULL AND ($5::uuid IS NULL OR api_key_id = $5::uuid)
     GROUP BY 1`,
    bucket,
    botId,
    from,
    to,
    apiKeyId ?? null,
  );
}

/** Calls and conversations per hour or day over a time range, for one bot (or one of its keys). */
export async function usageBuckets(prisma: PrismaClient, range: Range): Promise<UsageBucket[]> {
  const [calls, conversations] = await Promise.all([callBuckets(prisma, range), conversationBuckets(prisma, range)]);
  const buckets = new Map<number, UsageBucket>();
  const bucketAt = (start: Date): UsageBucket => {
    const found = buckets.get(start.getTime());
    if (found) return found;
    const empty = { start, calls: 0, errors: 0, p50Ms: 0, p95Ms: 0, tokens: 0, conversations: 0, handedOff: 0 };
    buckets.set(start.getTime(), empty);
    return empty;
  };
  for (const row of calls) Object.assign(bucketAt(row.start), row);
  for (const row of conversations) Object.assign(bucketAt(row.start), { conversations: Number(row.conversations), handedOff: Number(row.handed_off) });
  return [...buckets.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Public calls per bucket: count, errors, latency percentiles, tokens. */
async function callBuckets(prisma: PrismaClient, { botId, apiKeyId, from, to, bucket }: Range) {
  const rows = await prisma.$queryRawUnsafe<{ start: Date; calls: bigint; errors: bigint; p50: number; p95: number; tokens: bigint | null }[]>(
    `SELECT date_trunc($1, created_at) AS start, count(*) AS calls, count(error_code) AS errors,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) AS p95,
            sum(tokens) AS tokens
     FROM api_key_usage
     WHERE bot_id = $2::uuid AND created_at >= $3 AND created_at < $4 AND ($5::uuid IS NULL OR api_key_id = $5::uuid)
     GROUP BY 1 ORDER BY 1`,
    bucket,
    botId,
    from,
    to,
    apiKeyId ?? null,
  );
  return rows.map((r) => ({
    start: r.start,
    calls: Number(r.calls),
    errors: Number(r.errors),
    p50Ms: Math.round(Number(r.p50) * 100) / 100,
    p95Ms: Math.round(Number(r.p95) * 100) / 100,
    tokens: Number(r.tokens ?? 0),
  }));
}
