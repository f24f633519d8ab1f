import { Client, cacheExchange, fetchExchange, mapExchange } from "urql";
import { session } from "./session.js";

/** A GraphQL error's stable code (`extensions.code`). */
export function codeOf(error: { graphQLErrors: readonly { extensions?: Record<string, unknown> }[] } | undefined): string | undefined {
  const code = error?.graphQLErrors[0]?.extensions?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The console's GraphQL client: the public API at /graphql, with the
 * session's token. A request that carried a token and is refused as
 * UNAUTHENTICATED means the session ended (expired, or logged out
 * elsewhere): the console goes back to log-in and says so.
 */
export function createClient(): Client {
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
    ],
  });
}
