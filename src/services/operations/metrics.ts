import type { PrismaClient } from "@prisma/client";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * What Prometheus scrapes at /metrics (prom-client): GraphQL operations and
 * their errors by code (rate-limit refusals are RATE_LIMITED), chat's time to
 * the first token and to the end, the ingestion queue read from the database
 * at each scrape, and the process's own figures (event-loop lag, memory, GC).
 * One registry per app, so several apps in one process (tests) stay apart.
 */
export function createMetrics({ prisma }: { prisma: PrismaClient }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "parley_" });
  const operations = new Counter({
    name: "parley_graphql_operations_total",
    help: "GraphQL operations executed, by type and name (anonymous when unnamed).",
    labelNames: ["type", "operation"] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: "parley_graphql_errors_total",
    help: "Errors in GraphQL results, by extensions.code (RATE_LIMITED: rate-limit refusals).",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  const buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
  const firstToken = new Histogram({
    name: "parley_chat_first_token_seconds",
    help: "From a question to its answer's first token.",
    buckets,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "parley_chat_duration_seconds",
    help: "From a question to its answer's end.",
    labelNames: ["outcome"] as const,
    buckets,
    registers: [registry],
  });
  new Gauge({
    name: "parley_ingestion_jobs",
    help: "Ingestion jobs by status (PENDING: the queue's depth; FAILED: given up on), read at each scrape.",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const rows = await prisma.ingestionJob.groupBy({ by: ["status"], _count: { _all: true } });
      this.reset();
      for (const status of ["PENDING", "RUNNING", "SUCCEEDED", "FAILED"]) this.set({ status }, rows.find((r) => r.status === status)?._count._all ?? 0);
    },
  });

  return {
    registry,
    operation(type: string, name: string | undefined): void {
      operations.inc({ type, operation: name ?? "anonymous" });
    },
    error(code: string): void {
      errors.inc({ code });
    },
    /** A chat answer's timing, in milliseconds from the question. */
    chat({ firstTokenMs, totalMs, outcome }: { firstTokenMs: number | null; totalMs: number; outcome: "completed" | "failed" | "cancelled" }): void {
      if (firstTokenMs !== null) firstToken.observe(firstTokenMs / 1000);
      duration.observe({ outcome }, totalMs / 1000);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
