import { createClient as createWsClient } from "graphql-ws";
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from "urql";
import { codeOf } from "./errors.js";
import { watchConnection } from "./connection.js";
import { session } from "./session.js";

/**
 * The console's GraphQL client: the public API at /graphql, with the
 * session's token. A request that carried a token and is refused as
 * UNAUTHENTICATED means the session ended (expired, or logged out
 * elsewhere): the console goes back to log-in and says so.
 */
export function createClient(): Client {
  // Subscriptions over graphql-ws; a browser's websocket cannot carry headers, so the token goes in connectionParams.
  const ws = createWsClient({
    url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`,
    connectionParams: () => {
      const { token } = session.get();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    lazy: true,
    // Keep trying while the server restarts or the network is gone; the header says so meanwhile.
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 15_000))),
  });
  watchConnection(ws);
  // A new login (or a log-out) must not go on streaming under the last one's token. A session that
  // lapsed keeps its open streams until the same user logs in again: then they resume under the new token.
  let streamingAs = session.get().token;
  session.subscribe(() => {
    const { token, lapsed } = session.get();
    if (lapsed || token === streamingAs) return;
    streamingAs = token;
    ws.terminate();
  });
  return new Client({
    url: "/graphql",
    preferGetMethod: false,
    fetchOptions: (): RequestInit => {
      const { token } = session.get();
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      return { headers };
    },
    exchanges: [
      mapExchange({
        onError(error) {
          // Only pages behind log-in run while there is a token, so this is never a wrong password.
          if (codeOf(error) === "UNAUTHENTICATED" && session.get().token) session.expire();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink) }),
        }),
      }),
    ],
  });
}
