/**
 * The widget's conversation core under Node, without a page or a server: a
 * scripted port stands in for graphql-ws (as graphql-ws tests its server
 * without a transport) and records what the core sends.
 */
import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { createConversation, type Change } from "../widget/src/conversation.js";
import type { Sink, SubscribePort } from "../widget/src/port.js";
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
    strings: {
      refused: "Not available here.",
      error: "Something went wrong.",
      personJoined: (name) => `${name} joined.`,
      personLeft: (name) => `${name} left.`,
      personClosed: (name) => `${name} closed.`,
      nobodyAvailable: "Nobody is available.",
    },
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

describe("the widget's hand-off to a person", () => {
  const events = (event: Record<string, unknown>) => ({ data: { conversationEvents: event } });
  const restored = (conversation: Record<string, unknown>) => ({
    data: { publicConversation: { queuePosition: null, operatorName: null, messages: [], ...conversation } },
  });
  const operatorSaid = (id: string, content: string) => ({ id, role: "OPERATOR", content, authorName: "Anna" });

  it("waits in the queue, shows the person joining, their messages once each, and the bot again when they leave", () => {
    const { core, port } = setUp();
    core.ask("Can I talk to a human?");
    const ask = port.calls[0]!;
    ask.sink.next(chat({ __typename: "ChatStarted", sessionId: "ses_1", messageId: "m-1" }));
    ask.sink.next(chat({ __typename: "ChatHandoff", sessionId: "ses_1", state: "WAITING", position: 2 }));
    ask.sink.complete();
    // The bot's empty answer is gone: the question went to a person.
    expect(core.conversation.messages).toEqual([{ role: "user", text: "Can I talk to a human?", id: "m-1" }]);
    expect(core.handoff()).toMatchObject({ state: "WAITING", position: 2, offer: false });
    const [follow, restore] = port.calls.slice(1);
    expect(follow!.query).toContain("conversationEvents");
    expect(follow!.variables).toEqual({ botId: "bot-1", sessionId: "ses_1" });
    expect(restore!.query).toContain("publicConversation");

    follow!.sink.next(events({ __typename: "HandoffPosition", position: 1 }));
    expect(core.handoff()).toMatchObject({ state: "WAITING", position: 1 });
    follow!.sink.next(events({ __typename: "HandoffJoined", operatorName: "Anna" }));
    follow!.sink.next(events({ __typename: "HandoffTyping" }));
    expect(core.handoff()).toMatchObject({ state: "PERSON", operator: "Anna", typing: true });
    follow!.sink.next(events({ __typename: "HandoffMessage", message: operatorSaid("op-1", "<b>Hi</b>, I'm Anna.") }));
    expect(core.handoff().typing).toBe(false);
    // The same message again (the restore answering late) is not doubled.
    restore!.sink.next(restored({ handoffState: "PERSON", operatorName: "Anna", messages: [operatorSaid("op-1", "<b>Hi</b>, I'm Anna.")] }));
    expect(core.conversation.messages.filter((m) => m.role === "operator")).toEqual([
      { role: "operator", text: "<b>Hi</b>, I'm Anna.", id: "op-1", author: "Anna" },
    ]);

    follow!.sink.next(events({ __typename: "HandoffLeft", reason: "HANDED_BACK" }));
    expect(core.handoff().state).toBeUndefined();
    expect(follow!.unsubscribed).toBe(true);
    expect(core.conversation.messages.filter((m) => m.role === "notice").map((m) => m.text)).toEqual(["Anna joined.", "Anna left."]);
  });

  it("after a reload, follows the conversation again and catches up on what the person said meanwhile", () => {
    const stored: Conversation = {
      sessionId: "ses_2",
      handoff: { state: "PERSON", operator: "Anna" },
      messages: [
        { role: "user", text: "Help", id: "m-1" },
        { role: "operator", text: "On it.", id: "op-1", author: "Anna" },
      ],
    };
    const { core, port } = setUp(stored);
    expect(port.calls.map((c) => c.query.match(/(subscription|query) (\w+)/)![2])).toEqual(["ConversationEvents", "PublicConversation"]);
    port.calls[1]!.sink.next(
      restored({ handoffState: "PERSON", operatorName: "Anna", messages: [operatorSaid("op-1", "On it."), operatorSaid("op-2", "Found your order.")] }),
    );
    expect(core.conversation.messages.map((m) => m.id)).toEqual(["m-1", "op-1", "op-2"]);
    // Back from a dropped connection: it asks again, and nothing doubles.
    core.connectionChanged("connected");
    port.calls[2]!.sink.next(restored({ handoffState: "PERSON", messages: [operatorSaid("op-2", "Found your order.")] }));
    expect(core.conversation.messages).toHaveLength(3);
  });

  it("offers a person after an answer the bot could not give, and says so when nobody can come", () => {
    const { core, port, changes } = setUp();
    core.ask("Do you sell sheds?");
    port.calls[0]!.sink.next(chat({ __typename: "ChatStarted", sessionId: "ses_3", messageId: "m-1" }));
    port.calls[0]!.sink.next(
      chat({ __typename: "ChatCompleted", sessionId: "ses_3", offerPerson: true, message: { id: "a-1", content: "I don't know." }, sources: [] }),
    );
    port.calls[0]!.sink.complete();
    expect(core.handoff().offer).toBe(true);
    expect(changes.at(-1)).toEqual({ type: "handoff" });
    core.requestPerson();
    const request = port.calls[1]!;
    expect(request.variables).toEqual({ botId: "bot-1", sessionId: "ses_3" });
    request.sink.next({ data: { requestPerson: { sessionId: "ses_3", state: "BOT", position: null } } });
    expect(core.status().notice).toBe("Nobody is available.");
    expect(core.handoff()).toMatchObject({ offer: false });
    expect(port.calls).toHaveLength(2);
    expect(changes.some((c) => c.type === "handoff")).toBe(true);
  });

  it("tells the person the visitor is typing at most every three seconds, and only while a person holds the conversation", () => {
    const { core, port, advance } = setUp({ sessionId: "ses_4", handoff: { state: "PERSON", operator: "Anna" }, messages: [] });
    const before = port.calls.length;
    core.typing();
    core.typing();
    advance(1000);
    core.typing();
    expect(port.calls.slice(before).map((c) => c.variables)).toEqual([{ botId: "bot-1", sessionId: "ses_4" }]);
    advance(2500);
    core.typing();
    expect(port.calls.length - before).toBe(2);
  });
});

describe("the widget's message form", () => {
  it("opens when nobody can come, and thanks the visitor once the message arrived", () => {
    const { core, port } = setUp({ sessionId: "ses_5", messages: [] });
    core.requestPerson();
    port.calls[0]!.sink.next({ data: { requestPerson: { sessionId: "ses_5", state: "BOT", position: null } } });
    expect(core.lead.state()).toBe("open");
    const refused: unknown[] = [];
    core.lead.send({ email: "kim@example.com", message: "Call me back" }, (error) => refused.push(error));
    const leave = port.calls[1]!;
    expect(leave.query).toContain("leaveMessage");
    expect(leave.variables).toEqual({ botId: "bot-1", sessionId: "ses_5", email: "kim@example.com", message: "Call me back" });
    leave.sink.next({ errors: [{ message: "email: this is not an email address.", extensions: { code: "BAD_USER_INPUT" } }] });
    expect(core.lead.state()).toBe("open");
    core.lead.send({ email: "kim@example.com", message: "Call me back" }, (error) => refused.push(error));
    port.calls[2]!.sink.next({ data: { leaveMessage: { id: "lead-1" } } });
    expect(core.lead.state()).toBe("sent");
    expect(refused).toHaveLength(2);
    expect(refused[1]).toBeUndefined();
  });

  it("is offered after the owner's wait in the queue, and no longer once a person comes", () => {
    jest.useFakeTimers();
    const { core, port } = setUp({ sessionId: "ses_6", messages: [] });
    core.requestPerson();
    port.calls[0]!.sink.next({ data: { requestPerson: { sessionId: "ses_6", state: "WAITING", position: 3 } } });
    expect(core.lead.state()).toBe("closed");
    jest.advanceTimersByTime(120_000);
    expect(core.lead.state()).toBe("offer");
    const follow = port.calls.find((c) => c.query.includes("conversationEvents"))!;
    follow.sink.next({ data: { conversationEvents: { __typename: "HandoffJoined", operatorName: "Anna" } } });
    expect(core.lead.state()).toBe("closed");
  });
});
