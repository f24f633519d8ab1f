import { createClient, type Client } from "graphql-ws/client";

/** "lost": the socket closed unexpectedly or could not open; pending operations are retried. */
export type ConnectionState = "idle" | "connecting" | "connected" | "lost" | "refused";

/** Close codes after which retrying cannot help: the key or the page was refused. */
const REFUSED = new Set([4401, 4403]);

const isCloseEvent = (value: unknown): value is CloseEvent => typeof value === "object" && value !== null && "code" in value && "reason" in value;

/**
 * One graphql-ws client for the page. It connects when the first question
 * is asked, and after a dropped connection it keeps retrying with backoff
 * (a question asked offline waits and goes out when the network is back;
 * an answer cut mid-way is asked again and restarts).
 */
export function openConnection(url: string, apiKey: string, onState: (state: ConnectionState, reason?: string) => void): Client {
  return createClient({
    url,
    connectionParams: { apiKey },
    // Keep the socket a while after an answer, so the follow-up question starts at once.
    lazyCloseTimeout: 60_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 15_000) * (0.5 + Math.random() / 2))),
    shouldRetry: (event) => !(isCloseEvent(event) && REFUSED.has(event.code)),
    on: {
      connecting: (isRetry) => onState(isRetry ? "lost" : "connecting"),
      connected: () => onState("connected"),
      closed: (event) => {
        if (isCloseEvent(event) && REFUSED.has(event.code)) onState("refused", event.reason);
        // 1000: closed on purpose when idle (lazyCloseTimeout).
        else onState(isCloseEvent(event) && event.code === 1000 ? "idle" : "lost");
      },
    },
  });
}

export { isCloseEvent };
