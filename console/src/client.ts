import { createClient as createWsClient } from "graphql-ws";
import { authExchange, type AuthUtilities } from "@urql/exchange-auth";
import { Client, cacheExchange, fetchExchange, subscriptionExchange, type OperationResult } from "urql";
import type { LogInMutation, LogInMutationVariables } from "./gql/graphql.js";
import { codeOf } from "./errors.js";
import { watchConnection } from "./connection.js";
import { LogIn } from "./operations.js";
import { session } from "./session.js";

let bypassing: AuthUtilities | null = null;

/**
 * The log-in of the "session ended" dialog. It goes past the requests held
 * while the session is lapsed (which wait for it, and are sent again after).
 */
export function logInAgain(variables: LogInMutationVariables): Promise<OperationResult<LogInMutation>> {
  if (!bypassing) throw new Error("logInAgain is called before the console's client made a request");
  return bypassing.mutate(LogIn, variables);
}

/**
 * A request that carried a token and is refused as UNAUTHENTICATED means
 * the session ended (expired, or logged out elsewhere). The console asks the
 * same person to log in again over the page (session.expire) and holds that
 * request, and any made meanwhile, until they have: then it sends them again
 * under the new token, so the action that failed (a Save, a new bot) is done
 * rather than left as a stale error (@urql/exchange-auth's refresh queue).
 */
const sessionExchange = authExchange(async (utils) => {
  bypassing = utils;
  return {
    // The token is read at each send by the client's fetchOptions (and the websocket's connectionParams).
    addAuthToOperation: (operation) => operation,
    didAuthError: (error) => codeOf(error) === "UNAUTHENTICATED" && (session.get().token !== null || session.get().lapsed),
    async refreshAuth() {
      session.expire();
      await session.settled();
    },
  };
});

/** The console's GraphQL client: the public API at /graphql, with the session's token. */
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
      cacheExchange,
      sessionExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink) }),
        }),
      }),
    ],
  });
}
