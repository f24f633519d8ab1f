import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { afterAll } from "@jest/globals";

export interface Result<T> {
  data?: T | null;
  errors?: readonly GraphQLFormattedError[];
}

/** One GraphQL request over HTTP, as an admin frontend or a script sends it. */
export async function gql<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  headers: Record<string, string> = {},
): Promise<Result<T> & { status: number }> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { status: response.status, ...((await response.json()) as Result<T>) };
}

const clients = new Set<Client>();
afterAll(async () => {
  await Promise.all([...clients].map(async (c) => c.dispose()));
});

/** A real graphql-ws client, disposed when the test file ends. */
export function wsClient(url: string, connectionParams: Record<string, unknown> = {}): Client {
  const client = createClient({
    url: `${url.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  clients.add(client);
  return client;
}

/** Runs a query or mutation over a websocket and resolves with its single result. */
export function wsOnce<T, V>(client: Client, document: TypedDocumentNode<T, V>, variables?: V): Promise<Result<T>> {
  return new Promise((resolve, reject) => {
    let result: Result<T> | undefined;
    client.subscribe<T>(
      { query: print(document), variables: variables as Record<string, unknown> | undefined },
      {
        next: (value) => void (result = value as Result<T>),
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error("completed without a result"))),
      },
    );
  });
}

/** Untyped data, read by shape: what a table-driven test over many operations gets back. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type AnyData = Record<string, any>;
export type AnyEdge = { node: AnyData };

/** An untyped request, for table-driven tests over many operations. */
export async function gqlRaw(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Result<AnyData> & { status: number }> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Result<AnyData>) };
}
