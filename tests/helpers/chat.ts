import { print } from "graphql";
import type { Client } from "graphql-ws";
import { graphql } from "../gql/index.js";

export const Chat = graphql(`
  subscription Chat($botId: ID!, $message: String!, $sessionId: String) {
    chat(botId: $botId, message: $message, sessionId: $sessionId) {
      __typename
      ... on ChatStarted {
        sessionId
        messageId
      }
      ... on ChatToken {
        text
      }
      ... on ChatCompleted {
        sessionId
        offerPerson
        message {
          id
          content
          model
          promptTokens
          completionTokens
          latencyMs
        }
        sources {
          type
          id
          name
          url
          page
          score
          snippet
        }
      }
      ... on ChatFailed {
        sessionId
        code
        error
      }
      ... on ChatHeld {
        sessionId
        state
      }
      ... on ChatHandoff {
        sessionId
        state
        position
        unavailable
      }
    }
  }
`);

export type ChatEvent = { __typename: string; [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- events are read by shape

/** Subscribes over graphql-ws; `onEvent` sees each event; resolves with all of them when the stream ends. */
export function chatOverWs(
  client: Client,
  variables: { botId: string; message: string; sessionId?: string | null },
  onEvent: (event: ChatEvent, unsubscribe: () => void) => void = () => {},
): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  return new Promise((resolve, reject) => {
    const unsubscribe = client.subscribe(
      { query: print(Chat), variables },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return reject(Object.assign(new Error(errors[0]!.message), { extensions: errors[0]!.extensions }));
          const event = (data as { chat: ChatEvent }).chat;
          events.push(event);
          onEvent(event, () => {
            unsubscribe();
            resolve(events);
          });
        },
        // A refused socket arrives as a CloseEvent: keep its code (4403, ...).
        error: (error) =>
          reject(
            error instanceof Error
              ? error
              : Object.assign(new Error(`socket closed: ${(error as { reason?: string }).reason ?? ""}`), { code: (error as { code?: number }).code }),
          ),
        complete: () => resolve(events),
      },
    );
  });
}
