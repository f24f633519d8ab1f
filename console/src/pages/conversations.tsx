import { Button } from "react-aria-components";
import { useQuery } from "urql";
import type { ConversationFilter, ConversationQuery, ConversationsQuery } from "../gql/graphql.js";
import { messageOf } from "../errors.js";
import { Conversation, Conversations } from "../operations.js";
import { useAddress, useAddressChoice } from "../address.js";
import { FilterGroup } from "../filter.js";
import { Pager, usePaging } from "../pager.js";
import { CorrectThisAnswer } from "./corrections.js";
import { Passages } from "./playground.js";
import { when } from "../dates.js";

type Summary = ConversationsQuery["bot"]["sessions"]["edges"][number]["node"];
type Message = NonNullable<ConversationQuery["bot"]["session"]>["messages"]["edges"][number]["node"];

const FILTERS: [ConversationFilter | null, string][] = [
  [null, "All"],
  ["RATED_DOWN", "Rated down"],
  ["UNANSWERED", "Unanswered"],
];

/**
 * What visitors asked, newest first, and each conversation's transcript with
 * the passages every answer drew on. The rated-down and unanswered filters
 * are the owner's to-do list: knowledge the bot is missing.
 */
export function ConversationsPanel({ botId, canEdit }: { botId: string; canEdit: boolean }) {
  const paging = usePaging();
  const [address, change] = useAddress();
  // The open conversation is in the address too: a link to it can be sent to a colleague.
  const selected = address.get("conversation");
  const [filter, setFilter] = useAddressChoice(
    "show",
    FILTERS.map(([value]) => value),
    null,
    "conversation",
  );
  const [{ data, error, fetching }] = useQuery({ query: Conversations, variables: { botId, filter, ...paging.variables }, requestPolicy: "cache-and-network" });

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const sessions = data.bot.sessions;
  return (
    <div className="conversations">
      <FilterGroup label="Show conversations" options={FILTERS} value={filter} onChange={setFilter} />
      {sessions.edges.length === 0 ? (
        <p>{filter ? "No conversation matches. Nothing to do here." : "No conversations yet. Visitors' questions appear here, with the bot's answers."}</p>
      ) : (
        <div className="split">
          <ul className="session-list" aria-label="Conversations">
            {sessions.edges.map(({ node }) => (
              <li key={node.id}>
                <SessionButton session={node} selected={node.id === selected} onSelect={() => change({ conversation: node.id })} />
              </li>
            ))}
          </ul>
          {selected ? <Transcript botId={botId} sessionId={selected} canEdit={canEdit} /> : <p className="muted">Choose a conversation to read it.</p>}
        </div>
      )}
      <Pager
        label="Pages of conversations"
        count={sessions.totalCount}
        noun={["conversation", "conversations"]}
        pageInfo={sessions.pageInfo}
        busy={fetching}
        onPage={paging.set}
      />
    </div>
  );
}

function SessionButton({ session, selected, onSelect }: { session: Summary; selected: boolean; onSelect: () => void }) {
  return (
    <Button className={selected ? "session selected" : "session"} aria-current={selected || undefined} onPress={onSelect}>
      <span className="session-question">{session.firstQuestion ?? "(no question)"}</span>
      <span className="muted">
        {when(session.lastActivityAt)} · {session.messageCount} messages · {session.apiKey ? `key ${session.apiKey.name}` : "from the console or API"}
      </span>
      {(session.downRatedCount > 0 || session.unansweredCount > 0 || session.handedOff) && (
        <span className="badges">
          {session.handedOff && <span className="status status-active">handed to a person</span>}
          {session.downRatedCount > 0 && <span className="status status-error">{session.downRatedCount} rated down</span>}
          {session.unansweredCount > 0 && <span className="status status-pending">{session.unansweredCount} unanswered</span>}
        </span>
      )}
    </Button>
  );
}

function Transcript({ botId, sessionId, canEdit }: { botId: string; sessionId: string; canEdit: boolean }) {
  const [{ data, error }] = useQuery({ query: Conversation, variables: { botId, id: sessionId } });
  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const session = data.bot.session;
  if (!session) return <p role="alert">This conversation no longer exists.</p>;
  return (
    <section className="transcript-panel" aria-label="Transcript">
      <p className="muted">
        Began {when(session.createdAt)}
        {session.messages.totalCount > session.messages.edges.length &&
          ` · the first ${session.messages.edges.length} of ${session.messages.totalCount} messages`}
      </p>
      <ol className="transcript">
        {session.messages.edges.map(({ node }, i, all) => (
          <li key={node.id}>
            {node.role === "USER" ? (
              <p className="question">{node.content}</p>
            ) : node.role === "OPERATOR" ? (
              <p className="operator-reply">
                <strong>{node.authorName ?? "Operator"}:</strong> {node.content}
              </p>
            ) : (
              <Answer botId={botId} message={node} question={all[i - 1]?.node.role === "USER" ? all[i - 1]!.node.content : null} canEdit={canEdit} />
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Answer({ botId, message, question, canEdit }: { botId: string; message: Message; question: string | null; canEdit: boolean }) {
  const facts = [
    message.corrected && "your correction",
    message.latencyMs != null && `${message.latencyMs} ms`,
    message.model,
    message.feedback === "UP" && "rated helpful",
    message.feedback === "DOWN" && "rated not helpful",
  ].filter(Boolean);
  return (
    <div className="answer-row">
      <div className="answer">
        <p>{message.content || "(no text)"}</p>
        {message.errorCode && <p className="error">The answer failed: {message.errorCode}</p>}
        <p className={message.feedback === "DOWN" ? "muted rated-down" : "muted"}>{facts.join(" · ")}</p>
        {canEdit && question && !message.corrected && <CorrectThisAnswer botId={botId} question={question} answer={message.content} />}
      </div>
      <Passages sources={message.sources} />
    </div>
  );
}
