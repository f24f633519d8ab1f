import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Button, Form, Label, TextArea, TextField } from "react-aria-components";
import { useMutation, useQuery, useSubscription, type CombinedError } from "urql";
import type { HandoffEventsSubscription, HandoffInboxQuery, LiveMessageFragment } from "../gql/graphql.js";
import { messageOf } from "../errors.js";
import {
  ClaimConversation,
  CloseConversation,
  HandBackConversation,
  HandoffEvents,
  HandoffInbox,
  LiveConversation,
  Me,
  Members,
  OperatorTyping,
  ReplyToConversation,
  SetBotOperators,
  TransferConversation,
} from "../operations.js";
import { usePresence } from "../presence.js";
import { useSession } from "../session.js";
import { useWorkspace } from "../shell.js";
import { Passages } from "./playground.js";

type Inbox = HandoffInboxQuery["bot"];
type Operator = Inbox["operators"][number];
type HandoffEvent = HandoffEventsSubscription["handoffEvents"];

/** How long "the visitor is typing" shows after the last sign of it. */
const TYPING_SHOWN_MS = 6000;
/** The operator's typing is sent at most this often. */
const TYPING_SENT_MS = 3000;

const when = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { timeStyle: "short" });
const nameOf = (user: { name?: string | null; email: string }) => user.name ?? user.email;

/** What the live stream brought since the inbox was read: messages per conversation, and when each visitor last typed. */
interface Live {
  messages: Map<string, LiveMessageFragment[]>;
  typedAt: Map<string, number>;
  changes: number;
}

const NOTHING_YET: Live = { messages: new Map(), typedAt: new Map(), changes: 0 };

function reduce(live: Live = NOTHING_YET, event: HandoffEvent): Live {
  if (event.__typename === "HandoffMessage") {
    const earlier = live.messages.get(event.conversationId) ?? [];
    if (earlier.some((m) => m.id === event.message.id)) return live;
    const typedAt = new Map(live.typedAt);
    typedAt.delete(event.conversationId);
    return { ...live, typedAt, messages: new Map(live.messages).set(event.conversationId, [...earlier, event.message]) };
  }
  if (event.__typename === "HandoffTyping") return { ...live, typedAt: new Map(live.typedAt).set(event.conversationId, Date.now()) };
  // Queued, joined, left: the lists change.
  return { ...live, changes: live.changes + 1 };
}

/** The bot's hand-off events while the panel is open; the inbox is read again whenever its lists change (and after a reconnect). */
function useLive(botId: string, enabled: boolean, reload: () => void): Live {
  const { token } = useSession();
  const [{ data }] = useSubscription({ query: HandoffEvents, variables: { botId }, pause: !token || !enabled }, (live: Live | undefined, response) =>
    reduce(live, response.handoffEvents),
  );
  const changes = data?.changes ?? 0;
  useEffect(() => {
    if (changes) reload();
  }, [changes, reload]);
  return data ?? NOTHING_YET;
}

/**
 * The live inbox of a bot's operators: visitors waiting for a person, the
 * conversations being held, and one conversation open to claim, answer,
 * transfer, hand back or close. Operators say here whether they are online.
 */
export function LivePanel({ botId, canEdit }: { botId: string; canEdit: boolean }) {
  const [{ data: me }] = useQuery({ query: Me });
  const [{ data, error }, refetch] = useQuery({ query: HandoffInbox, variables: { botId }, requestPolicy: "cache-and-network" });
  const reload = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch]);
  const [selected, setSelected] = useState<string | null>(null);
  const myId = me?.me.id;
  const isOperator = !!data?.bot.operators.some((o) => o.id === myId);
  const live = useLive(botId, isOperator, reload);

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data || !myId) return <p aria-busy="true">Loading…</p>;
  const bot = data.bot;
  return (
    <div className="live">
      {bot.settings.handoff === "NEVER" && (
        <p className="muted">This bot does not offer its visitors a person. Choose when it does under Settings, “A person”.</p>
      )}
      {isOperator ? (
        <PresenceSwitch online={bot.operatorsOnline} onChanged={reload} />
      ) : (
        <p>You are not an operator of this bot: its live conversations go to its operators.</p>
      )}
      {isOperator && (
        <div className="split">
          <Queue inbox={bot} myId={myId} selected={selected} onSelect={setSelected} />
          {selected ? (
            <LiveTranscript botId={botId} conversationId={selected} myId={myId} operators={bot.operators} live={live} onChanged={reload} />
          ) : (
            <p className="muted">Choose a conversation to read it, claim it and answer.</p>
          )}
        </div>
      )}
      {canEdit && <OperatorsForm botId={botId} operators={bot.operators} />}
    </div>
  );
}

function PresenceSwitch({ online, onChanged }: { online: number; onChanged: () => void }) {
  const [presence, setPresence] = usePresence();
  const [problem, setProblem] = useState<string | null>(null);
  const change = (next: "ONLINE" | "AWAY") =>
    setPresence(next).then(
      () => {
        setProblem(null);
        onChanged();
      },
      (error: CombinedError) => setProblem(messageOf(error) ?? null),
    );
  return (
    <div className="row presence" role="group" aria-label="Your presence">
      <Button className={presence === "ONLINE" ? "primary" : undefined} aria-pressed={presence === "ONLINE"} onPress={() => change("ONLINE")}>
        Online
      </Button>
      <Button aria-pressed={presence !== "ONLINE"} onPress={() => change("AWAY")}>
        Away
      </Button>
      <span className="muted">
        {presence === "ONLINE" ? "Visitors who ask for a person can reach you." : "Visitors are not offered you."} {online} operator
        {online === 1 ? "" : "s"} online now.
      </span>
      {problem && <p role="alert">{problem}</p>}
    </div>
  );
}

function Queue({ inbox, myId, selected, onSelect }: { inbox: Inbox; myId: string; selected: string | null; onSelect: (id: string) => void }) {
  const item = (id: string, question: string | null | undefined, detail: string) => (
    <li key={id}>
      <Button className={id === selected ? "session selected" : "session"} aria-current={id === selected || undefined} onPress={() => onSelect(id)}>
        <span className="session-question">{question ?? "(asked for a person straight away)"}</span>
        <span className="muted">{detail}</span>
      </Button>
    </li>
  );
  return (
    <div className="queue">
      <h2>Waiting ({inbox.waiting.totalCount})</h2>
      {inbox.waiting.edges.length === 0 ? (
        <p className="muted">Nobody is waiting.</p>
      ) : (
        <ul className="session-list" aria-label="Waiting for a person">
          {/* The list is the queue, first come first: a place is its index, with no count query per row (every operator reads it again at each change). */}
          {inbox.waiting.edges.map(({ node }, index) =>
            item(node.id, node.firstQuestion, `#${index + 1} · since ${node.handoffRequestedAt ? when(node.handoffRequestedAt) : "now"}`),
          )}
        </ul>
      )}
      <h2>In progress ({inbox.held.totalCount})</h2>
      {inbox.held.edges.length === 0 ? (
        <p className="muted">No conversation is held by a person.</p>
      ) : (
        <ul className="session-list" aria-label="Held by a person">
          {inbox.held.edges.map(({ node }) =>
            item(
              node.id,
              node.firstQuestion,
              `${node.operator?.id === myId ? "yours" : node.operator ? nameOf(node.operator) : "?"} · ${when(node.lastActivityAt)}`,
            ),
          )}
        </ul>
      )}
    </div>
  );
}

/** Who said a message, for the transcript. */
function speaker(message: LiveMessageFragment): string {
  if (message.role === "USER") return "Visitor";
  if (message.role === "OPERATOR") return message.authorName ?? "Operator";
  return "Bot";
}

function LiveTranscript({
  botId,
  conversationId,
  myId,
  operators,
  live,
  onChanged,
}: {
  botId: string;
  conversationId: string;
  myId: string;
  operators: Operator[];
  live: Live;
  onChanged: () => void;
}) {
  const [{ data, error }, refetch] = useQuery({ query: LiveConversation, variables: { botId, id: conversationId }, requestPolicy: "network-only" });
  const changes = live.changes;
  useEffect(() => {
    if (changes) refetch({ requestPolicy: "network-only" });
  }, [changes, refetch]);
  const typedAt = live.typedAt.get(conversationId) ?? 0;
  const visitorTyping = useShownFor(typedAt, TYPING_SHOWN_MS);

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const session = data.bot.session;
  if (!session) return <p role="alert">This conversation no longer exists.</p>;
  const loaded = session.messages.edges.map((e) => e.node);
  const arrived = (live.messages.get(conversationId) ?? []).filter((m) => !loaded.some((l) => l.id === m.id));
  const messages = [...loaded, ...arrived];
  const mine = session.handoffState === "PERSON" && session.operator?.id === myId;
  return (
    <section className="transcript-panel" aria-label="Live conversation">
      <p className="muted">
        {session.handoffState === "WAITING" && "Waiting for a person."}
        {session.handoffState === "PERSON" && (mine ? "You hold this conversation." : `${session.operator ? nameOf(session.operator) : "Someone"} holds it.`)}
        {session.handoffState === "BOT" && "The bot answers this conversation."}
      </p>
      <ol className="transcript" aria-live="polite">
        {messages.map((message) => (
          <li key={message.id} className={`live-${message.role.toLowerCase()}`}>
            <p>
              <strong>{speaker(message)}</strong> <span className="muted">{when(message.createdAt)}</span>
            </p>
            <p className="live-text">{message.content || "(no text)"}</p>
            {message.role === "ASSISTANT" && <Passages sources={message.sources} />}
          </li>
        ))}
      </ol>
      <p role="status" className="muted">
        {visitorTyping ? "The visitor is typing…" : ""}
      </p>
      <Actions conversationId={conversationId} state={session.handoffState} mine={mine} myId={myId} operators={operators} onChanged={onChanged} />
    </section>
  );
}

/** True from `at` (a time something was seen) for `ms`, then false again until it is seen anew. */
function useShownFor(at: number, ms: number): boolean {
  const [lapsed, setLapsed] = useState(0);
  const shown = at > lapsed;
  useEffect(() => {
    if (!shown) return;
    const timer = setTimeout(() => setLapsed(at), ms);
    return () => clearTimeout(timer);
  }, [at, ms, shown]);
  return shown;
}

function Actions({
  conversationId,
  state,
  mine,
  myId,
  operators,
  onChanged,
}: {
  conversationId: string;
  state: string;
  mine: boolean;
  myId: string;
  operators: Operator[];
  onChanged: () => void;
}) {
  const [claimed, claim] = useMutation(ClaimConversation);
  const [handedBack, handBack] = useMutation(HandBackConversation);
  const [closed, close] = useMutation(CloseConversation);
  const [transferred, transfer] = useMutation(TransferConversation);
  const problem = messageOf(claimed.error ?? handedBack.error ?? closed.error ?? transferred.error);
  const then = (result: Promise<{ error?: unknown }>) => result.then(({ error }) => !error && onChanged());
  const others = operators.filter((o) => o.id !== myId);
  return (
    <div className="live-actions">
      {problem && <p role="alert">{problem}</p>}
      {state === "WAITING" && (
        <Button className="primary" onPress={() => then(claim({ id: conversationId }))} isDisabled={claimed.fetching}>
          Claim
        </Button>
      )}
      {mine && <Reply conversationId={conversationId} />}
      <div className="row">
        {(mine || state === "WAITING") && <Button onPress={() => then(handBack({ id: conversationId }))}>Hand back to the bot</Button>}
        {(mine || state === "WAITING") && <Button onPress={() => then(close({ id: conversationId }))}>Close</Button>}
        {mine && others.length > 0 && (
          <label className="native">
            Transfer to
            <select defaultValue="" onChange={(event) => event.target.value && void then(transfer({ id: conversationId, toUserId: event.target.value }))}>
              <option value="">Choose an operator…</option>
              {others.map((o) => (
                <option key={o.id} value={o.id}>
                  {nameOf(o)} ({o.presence.toLowerCase()})
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
    </div>
  );
}

/** The operator's message box: Enter sends, Shift+Enter breaks the line; typing is told to the visitor at most every 3 s. */
function Reply({ conversationId }: { conversationId: string }) {
  const [sent, send] = useMutation(ReplyToConversation);
  const [, typing] = useMutation(OperatorTyping);
  const [text, setText] = useState("");
  const lastTyping = useRef(0);

  async function submit(event?: FormEvent<HTMLFormElement>) {
    event?.preventDefault();
    const message = text.trim();
    if (!message) return;
    const { error } = await send({ id: conversationId, message });
    if (!error) setText("");
  }

  function changed(value: string) {
    setText(value);
    if (Date.now() - lastTyping.current > TYPING_SENT_MS) {
      lastTyping.current = Date.now();
      void typing({ id: conversationId });
    }
  }

  return (
    <Form onSubmit={submit} className="reply" aria-label="Reply to the visitor">
      <TextField value={text} onChange={changed} maxLength={4000}>
        <Label>Your reply</Label>
        <TextArea
          rows={3}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              void submit();
            }
          }}
        />
      </TextField>
      {sent.error && <p role="alert">{messageOf(sent.error)}</p>}
      <Button type="submit" className="primary" isDisabled={sent.fetching || !text.trim()}>
        Send
      </Button>
    </Form>
  );
}

/** Which members answer this bot's visitors (admins and owners choose). */
function OperatorsForm({ botId, operators }: { botId: string; operators: Operator[] }) {
  const workspace = useWorkspace();
  const [{ data }] = useQuery({ query: Members, variables: { workspaceId: workspace.id } });
  const [result, save] = useMutation(SetBotOperators);
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const userIds = new FormData(event.currentTarget).getAll("operator").map(String);
    const { error } = await save({ botId, userIds });
    setSaved(!error);
  }

  if (!data) return null;
  const current = new Set(operators.map((o) => o.id));
  return (
    <Form onSubmit={submit} className="settings operators" aria-labelledby="operators-heading">
      <fieldset>
        <legend id="operators-heading">Operators: who answers visitors who ask for a person</legend>
        {data.workspace.members.edges.map(({ node }) => (
          <label key={node.user.id} className="native check">
            <input type="checkbox" name="operator" value={node.user.id} defaultChecked={current.has(node.user.id)} /> {nameOf(node.user)}
          </label>
        ))}
      </fieldset>
      {result.error && <p role="alert">{messageOf(result.error)}</p>}
      {saved && <p role="status">Saved.</p>}
      <Button type="submit" isDisabled={result.fetching}>
        Save operators
      </Button>
    </Form>
  );
}
