import { useRef, useState, type FormEvent } from "react";
import { Button, Form, Input, Label, TextField } from "react-aria-components";
import { useClient } from "urql";
import type { ChatSubscription } from "../gql/graphql.js";
import { messageOf } from "../errors.js";
import { Chat } from "../operations.js";
import { CorrectThisAnswer } from "./corrections.js";

type Completed = Extract<ChatSubscription["chat"], { __typename: "ChatCompleted" }>;

interface Turn {
  question: string;
  answer: string;
  done: boolean;
  error?: string;
  sources: Completed["sources"];
  latencyMs?: number | null;
  corrected?: boolean;
  model?: string | null;
}

/** Who wrote an answer: a language model by its name, or Parley's embedded answerer, which quotes the passages. */
function answererOf(model: string | null | undefined): string | null {
  if (!model) return null;
  return model === EMBEDDED_ANSWERER ? "quoted from the sources by Parley's embedded answerer (no language model is configured)" : `written by ${model}`;
}

/** The model name the embedded answerer's answers carry. */
const EMBEDDED_ANSWERER = "parley-extractive";

/**
 * Asks the bot as a visitor would, the answer streamed token by token, with
 * the passages it drew on beside it: where an owner learns why an answer
 * came out as it did.
 */
export function Playground({ botId, canEdit }: { botId: string; canEdit: boolean }) {
  const client = useClient();
  const [turns, setTurns] = useState<Turn[]>([]);
  const session = useRef<string | null>(null);
  const busy = turns.at(-1)?.done === false;
  const updateLast = (change: (turn: Turn) => Turn) => setTurns((all) => [...all.slice(0, -1), change(all.at(-1)!)]);

  function ask(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const question = String(new FormData(form).get("question") ?? "").trim();
    if (!question || busy) return;
    form.reset();
    setTurns((all) => [...all, { question, answer: "", done: false, sources: [] }]);
    const { unsubscribe } = client.subscription(Chat, { botId, message: question, sessionId: session.current }).subscribe((result) => {
      const event = result.data?.chat;
      if (result.error) updateLast((turn) => ({ ...turn, done: true, error: messageOf(result.error) }));
      if (!event) return;
      if (event.__typename === "ChatStarted") session.current = event.sessionId;
      if (event.__typename === "ChatToken") updateLast((turn) => ({ ...turn, answer: turn.answer + event.text }));
      if (event.__typename === "ChatCompleted") {
        updateLast((turn) => ({
          ...turn,
          done: true,
          answer: event.message.content,
          sources: event.sources,
          latencyMs: event.message.latencyMs,
          model: event.message.model,
          corrected: event.message.corrected,
        }));
      }
      if (event.__typename === "ChatFailed") updateLast((turn) => ({ ...turn, done: true, error: `${event.error} (${event.code})` }));
      if (event.__typename === "ChatCompleted" || event.__typename === "ChatFailed") unsubscribe();
    });
  }

  return (
    <div className="playground">
      <ol className="transcript" aria-label="Conversation">
        {turns.map((turn, i) => (
          <li key={i}>
            <p className="question">{turn.question}</p>
            <div className="answer-row">
              <div className="answer" aria-live="polite" aria-busy={!turn.done}>
                {turn.error ? <p role="alert">{turn.error}</p> : <p>{turn.answer || "…"}</p>}
                {turn.done && turn.latencyMs != null && (
                  <p className="muted">{[`${turn.latencyMs} ms`, turn.corrected ? "your correction" : answererOf(turn.model)].filter(Boolean).join(" · ")}</p>
                )}
                {turn.done && !turn.error && canEdit && !turn.corrected && <CorrectThisAnswer botId={botId} question={turn.question} answer={turn.answer} />}
              </div>
              {turn.done && !turn.error && <Passages sources={turn.sources} />}
            </div>
          </li>
        ))}
      </ol>
      <Form onSubmit={ask} className="row ask-row">
        <TextField name="question" aria-label="Question" isRequired className="react-aria-TextField grow">
          <Label>Ask as a visitor would</Label>
          <Input placeholder="What would your customers ask?" />
        </TextField>
        <Button type="submit" className="primary" isDisabled={busy}>
          Ask
        </Button>
        <Button
          isDisabled={busy || !turns.length}
          onPress={() => {
            session.current = null;
            setTurns([]);
          }}
        >
          New conversation
        </Button>
      </Form>
    </div>
  );
}

interface Passage {
  id: string;
  name: string;
  page?: number | null;
  section?: string | null;
  score: number;
  snippet: string;
}

/** The passages an answer drew on: source, page, score and the passage itself. */
export function Passages({ sources }: { sources: readonly Passage[] }) {
  return (
    <aside aria-label="Passages used" className="passages">
      {sources.length === 0 && <p className="muted">No passage was close enough to use.</p>}
      {sources.map((source) => (
        <div key={source.id} className="passage">
          <strong>{source.name}</strong>
          {source.section && <span className="muted"> · {source.section}</span>}
          {source.page != null && <span className="muted"> · page {source.page}</span>}
          <span className="muted"> · score {source.score.toFixed(2)}</span>
          <p>{source.snippet}</p>
        </div>
      ))}
    </aside>
  );
}
