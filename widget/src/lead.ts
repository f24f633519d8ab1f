/**
 * The message form for when nobody can come: outside the business's hours,
 * with no operator online, or after waiting longer than the owner allows.
 * It touches no DOM; the view draws it from `state()`.
 */
import { graphql } from "./gql/index.js";
import type { LeaveMessageMutation } from "./gql/graphql.js";
import type { SubscribePort } from "./port.js";
import type { Conversation } from "./store.js";

const LEAVE = graphql(`
  mutation LeaveMessage($botId: ID!, $sessionId: String, $email: String!, $message: String!, $name: String, $phone: String) {
    leaveMessage(botId: $botId, sessionId: $sessionId, email: $email, message: $message, name: $name, phone: $phone) {
      id
    }
  }
`);

export interface LeadFields {
  name?: string;
  email: string;
  phone?: string;
  message: string;
}

/** "offer": waited long enough that leaving a message is offered; "open": the form shows; "sent": thanked. */
export type LeadState = "closed" | "offer" | "open" | "sent";

export function createLeadForm({
  port,
  botId,
  conversation,
  changed,
  waitSeconds,
}: {
  port: SubscribePort;
  botId: string;
  conversation: () => Conversation;
  changed: () => void;
  /** How long in the queue before leaving a message is offered. */
  waitSeconds: number;
}) {
  let state: LeadState = "closed";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const to = (next: LeadState) => {
    state = next;
    changed();
  };
  return {
    state: () => state,
    /** Nobody can come: the form shows at once. */
    open: () => to("open"),
    close: () => to("closed"),
    /** The conversation waits in the queue (or no longer does): after the owner's wait, leaving a message is offered. */
    waiting(waiting: boolean): void {
      if (!waiting) {
        clearTimeout(timer);
        timer = undefined;
        if (state === "offer") to("closed");
        return;
      }
      timer ??= setTimeout(() => state === "closed" && to("offer"), waitSeconds * 1000);
    },
    /** Sends the form; `done` hears the server's refusal (an invalid email), or nothing when it arrived. */
    send(fields: LeadFields, done: (error?: unknown) => void): void {
      const variables = { botId, sessionId: conversation().sessionId ?? null, ...fields };
      port.subscribe<LeaveMessageMutation>(
        { query: LEAVE.toString(), variables },
        {
          next: ({ errors }) => {
            if (errors?.length) return done(errors);
            clearTimeout(timer);
            to("sent");
            done();
          },
          error: done,
          complete: () => {},
        },
      );
    },
  };
}

export type LeadForm = ReturnType<typeof createLeadForm>;
