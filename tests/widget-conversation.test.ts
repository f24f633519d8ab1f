/**
 * The widget's conversation core under Node, without a page or a server: a
 * scripted port stands in for graphql-ws (as graphql-ws tests its server
 * without a transport) and records what the core sends.
 */
import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { createConversation, type Change, type Sink, type SubscribePort } from "../widget/src/conversation.js";
import type { Conversation, StoredMessage } from "../widget/src/store.js";

interface Call {
  query: string;
  variables: Record<string, unknown>;
  sink: Sink<unknown>;
  unsubscribed: boolean;
}

function scriptedPort(): SubscribePort & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    subscribe(payload, sink) {
      const call: Call = { ...payload, sink: sink as Sink<unknown>, unsubscribed: false };
      calls.push(call);
      return () => void (call.unsubscribed = true);
    },
  };
}

function setUp(conversation: Conversation = { messages: [] }) {
  const port = scriptedPort();
  const saved: Conversation[] = [];
  let clock = 1_000_000;
  const core = createConversation({
    port,
    store: { load: async () => conversation, save: (c) => saved.push(structuredClone(c)) },
    botId: "bot-1",
    conversation,
    strings: { refused: "Not available here.", error: "Something went wrong." },
    now: () => clock,
  });
  const changes: Change[] = [];
  core.listen((change) => changes.push(change));
  return { core, port, saved, changes, advance: (ms: number) => (clock += ms) };
}

const chat = (event: Record<string, unknown>) => ({ data: { chat: event } });

afterEach(() => {
  jest.useRealTimers();
});

describe("the widget's conversation core", () => {
  it("asks, streams the answer token by token, and keeps the session, sources and id it ends with", () => {
    const { core, port, saved, changes } = setUp();
    expect(core.ask("  When do you open?  ")).toBe(true);
    expect(core.status().busy).toBe(true);
    expect(core.canSend()).toBe(false);
    const [call] = port.calls;
    expect(call!.query).toContain("subscription Chat");
    expect(call!.variables).toEqual({ botId: "bot-1", message: "When do you open?", sessionId: null });

    call!.sink.next(chat({ __typename: "ChatStarted", sessionId: "s-1" }));
    call!.sink.next(chat({ __typename: "ChatToken", text: "At " }));
    call!.sink.next(chat({ __typename: "ChatToken", text: "nine." }));
    expect(core.conversation.messages[1]!.text).toBe("At nine.");
    const sources = [{ type: "TEXT", name: "Hours", url: null, page: null }];
    call!.sink.next(chat({ __typename: "ChatCompleted", sessionId: "s-1", message: { id: "m-2", content: "At nine." }, sources }));
    call!.sink.complete();

    expect(core.status().busy).toBe(false);
    expect(core.conversation).toEqual({
      sessionId: "s-1",
      messages: [
        { role: "user", text: "When do you open?" },
        { role: "assistant", text: "At nine.", id: "m-2", sources },
      ],
    });
    expect(saved.at(-1)).toEqual(core.conversation);
    const streamed = changes.filter((c) => c.type === "updated").map((c) => (c as { streaming: boolean }).streaming);
    expect(streamed).toEqual([true, true, true, true, false]);

    // The follow-up continues the same conversation.
    core.ask("And on Sunday?");
    expect(port.calls[1]!.variables.sessionId).toBe("s-1");
  });

  it("refuses to send an empty question or a second one while an answer streams", () => {
    const { core, port } = setUp();
    expect(core.ask("   ")).toBe(false);
    core.ask("First?");
    expect(core.ask("Second?")).toBe(false);
    expect(core.reset()).toBe(false);
    expect(port.calls).toHaveLength(1);
  });

  it("takes a rate-limited question back, gives its text back, and waits as long as the server says", () => {
    jest.useFakeTimers();
    const { core, port, changes, advance } = setUp();
    core.ask("Hello?");
    port.calls[0]!.sink.next({ errors: [{ message: "Too many requests.", extensions: { code: "RATE_LIMITED", retryAfterSeconds: 30 } }] });
    expect(core.conversation.messages).toEqual([]);
    expect(changes).toContainEqual({ type: "withdrawn", text: "Hello?" });
    expect(core.status()).toMatchObject({ busy: false, waitSeconds: 30 });
    expect(core.ask("Hello?")).toBe(false);
    advance(30_000);
    jest.advanceTimersByTime(1000);
    expect(core.status().waitSeconds).toBe(0);
    expect(core.ask("Hello?")).toBe(true);
  });

  it("starts a new conversation with the same question when the server no longer has the stored one", () => {
    const { core, port } = setUp({ sessionId: "gone", messages: [{ role: "user", text: "Earlier" }] });
    core.ask("Still there?");
    port.calls[0]!.sink.error([{ message: "Session not found.", extensions: { code: "NOT_FOUND" } }]);
    expect(port.calls).toHaveLength(2);
    expect(port.calls[1]!.variables).toMatchObject({ message: "Still there?", sessionId: null });
    expect(core.conversation.messages.map((m) => m.text)).toEqual(["Earlier", "Still there?", ""]);
  });

  it("says what the server said when it refuses, and a refused key's reason", () => {
    const { core, port } = setUp();
    core.ask("Hi");
    port.calls[0]!.sink.error([{ message: "The message is longer than 4000 characters.", extensions: { code: "BAD_USER_INPUT" } }]);
    expect(core.status().notice).toBe("The message is longer than 4000 characters.");
    core.connectionChanged("refused", "origin not allowed");
    expect(core.status().notice).toBe("Not available here. (origin not allowed)");
    expect(core.canSend()).toBe(false);
  });

  it("stops a streaming answer: unsubscribes, keeps what arrived, marks it stopped", () => {
    const { core, port } = setUp();
    core.ask("Tell me everything");
    port.calls[0]!.sink.next(chat({ __typename: "ChatToken", text: "Well," }));
    core.stop();
    expect(port.calls[0]!.unsubscribed).toBe(true);
    expect(core.conversation.messages[1]).toEqual({ role: "assistant", text: "Well,", stopped: true });
    expect(core.status().busy).toBe(false);
  });

  it("rates an answer at once and takes the rating back when the server refuses it", () => {
    jest.useFakeTimers(); // the refusal's rate limit ticks the status line
    const answer: StoredMessage = { role: "assistant", text: "At nine.", id: "m-2" };
    const { core, port, saved } = setUp({ sessionId: "s-1", messages: [{ role: "user", text: "When?" }, answer] });
    core.rate(answer, "UP");
    expect(answer).toMatchObject({ rating: "UP" });
    expect(port.calls[0]!.variables).toEqual({ messageId: "m-2", rating: "UP" });
    port.calls[0]!.sink.next({ data: { rateMessage: { id: "m-2", feedback: "UP" } } });
    expect(answer.rating).toBe("UP");
    core.rate(answer, "DOWN");
    port.calls[1]!.sink.next({ errors: [{ message: "Too many requests.", extensions: { code: "RATE_LIMITED", retryAfterSeconds: 1 } }] });
    expect(answer.rating).toBe("UP");
    expect(saved.at(-1)!.messages[1]!.rating).toBe("UP");
  });

  it("starts over on reset when no answer streams", () => {
    const { core, saved } = setUp({ sessionId: "s-1", messages: [{ role: "user", text: "Hi" }] });
    expect(core.reset()).toBe(true);
    expect(core.conversation).toEqual({ messages: [] });
    expect(saved.at(-1)).toEqual({ messages: [] });
  });
});
