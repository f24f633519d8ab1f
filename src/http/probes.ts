import { getOperationAST, type ExecutionArgs, type ExecutionResult, type GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { checkHealth } from "../services/operations/health.js";
import type { AppServices } from "../services/index.js";
import type { Metrics } from "../services/operations/metrics.js";

/**
 * What operators and their load balancers ask, over plain HTTP:
 * - GET /health: the full report (the `health` query's), 503 when the database is down;
 * - GET /readyz: 200 while this instance should get traffic; 503 once it is
 *   shutting down or its database does not answer (it does not listen at all
 *   while migrations run at start); with REDIS_URL, `redis` says "ok" or
 *   "degraded" (away: limits are counted per instance meanwhile);
 * - GET /metrics: Prometheus' text format (METRICS=false turns it off).
 * /livez (Yoga's) only says the process answers.
 */
export function useProbes(services: AppServices, options: { metrics: boolean }): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET") return;
      if (url.pathname === "/health") {
        const report = await checkHealth(services);
        return endResponse(fetchAPI.Response.json(report, { status: report.status === "error" ? 503 : 200 }));
      }
      if (url.pathname === "/readyz") {
        const reason = services.shutdownSignal.aborted
          ? "shutting down"
          : await services.db.ping().then(
              () => null,
              () => "database unreachable",
            );
        // Redis away is no reason to stop sending traffic here (limits count per instance meanwhile), but operators should know.
        const redis = services.redisStatus();
        return endResponse(
          fetchAPI.Response.json({ ready: !reason, ...(reason && { reason }), ...(redis !== "off" && { redis }) }, { status: reason ? 503 : 200 }),
        );
      }
      if (url.pathname === "/metrics" && options.metrics) {
        const body = await services.metrics.registry.metrics();
        return endResponse(new fetchAPI.Response(body, { headers: { "content-type": services.metrics.registry.contentType } }));
      }
    },
  };
}

/** Counts GraphQL operations and the codes of the errors they end with, over HTTP and websockets alike. */
export function useOperationMetrics(metrics: Metrics): Plugin {
  const count = ({ args }: { args: ExecutionArgs }) => {
    const operation = getOperationAST(args.document, args.operationName);
    metrics.operation(operation?.operation ?? "unknown", operation?.name?.value);
    return ({ result }: { result: unknown }) => countErrors((result as ExecutionResult).errors);
  };
  // Errors without a code: a validation error (Yoga adds GRAPHQL_VALIDATION_FAILED to the response later), or an unexpected one.
  const countErrors = (errors: readonly (Error | GraphQLError)[] | undefined, uncoded = "INTERNAL_SERVER_ERROR") => {
    for (const error of errors ?? []) {
      const code = "extensions" in error ? error.extensions?.code : undefined;
      metrics.error(typeof code === "string" ? code : uncoded);
    }
  };
  return {
    onValidate:
      () =>
      ({ valid, result }) => {
        if (!valid) countErrors(result, "GRAPHQL_VALIDATION_FAILED");
      },
    onExecute: (payload) => ({ onExecuteDone: count(payload) }),
    onSubscribe: (payload) => ({ onSubscribeResult: count(payload) }),
  };
}
