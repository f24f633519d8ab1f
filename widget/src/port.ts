/**
 * How the widget's cores (the conversation, the hand-off, the message form)
 * reach Parley: graphql-ws's Client has this shape, and the tests script it.
 */
export interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string; retryAfterSeconds?: number };
}

export interface Sink<T> {
  next(value: { data?: T | null; errors?: readonly GraphQLErrorLike[] }): void;
  error(error: unknown): void;
  complete(): void;
}

/** How a conversation reaches Parley: graphql-ws's Client is one. */
export interface SubscribePort {
  subscribe<T>(payload: { query: string; variables: Record<string, unknown> }, sink: Sink<T>): () => void;
}
