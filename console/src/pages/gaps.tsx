import { Button, Disclosure, DisclosurePanel, Heading } from "react-aria-components";
import { useMutation, useQuery } from "urql";
import type { GapsQuery } from "../gql/graphql.js";
import { messageOf } from "../errors.js";
import { useAddressChoice } from "../address.js";
import { FilterGroup } from "../filter.js";
import { DismissGap, GapQuestions, Gaps } from "../operations.js";
import { Pager, usePaging } from "../pager.js";
import { AddText } from "./add-text.js";
import { WriteCorrection } from "./corrections.js";
import { Passages } from "./playground.js";
import { when } from "../dates.js";

type Topic = GapsQuery["bot"]["gaps"]["edges"][number]["node"];

const SHOWN: ["open" | "dismissed", string][] = [
  ["open", "To do"],
  ["dismissed", "Put aside"],
];

/** A topic's questions, each with the passages retrieval found for it: read when the topic is opened. */
function TopicQuestions({ botId, topic }: { botId: string; topic: Topic }) {
  const [{ data, error }] = useQuery({ query: GapQuestions, variables: { botId, id: topic.id } });
  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data?.bot.gap) return <p aria-busy="true">Loading…</p>;
  return (
    <ul className="gap-questions" aria-label={`Questions about “${topic.question}”`}>
      {data.bot.gap.questions.edges.map(({ node: question }) => (
        <li key={question.id}>
          <p className="question">
            {question.text}{" "}
            <span className="muted">
              · {when(question.askedAt)} · {question.reason === "RATED_DOWN" ? "answer rated down" : "not answered"}
            </span>
          </p>
          <Passages sources={question.passages} />
        </li>
      ))}
    </ul>
  );
}

function TopicItem({
  botId,
  topic,
  canEdit,
  dismissed,
  onChanged,
}: {
  botId: string;
  topic: Topic;
  canEdit: boolean;
  dismissed: boolean;
  onChanged: () => void;
}) {
  const [, dismiss] = useMutation(DismissGap);
  const questions = topic.questions.edges.map((e) => e.node);
  // Dealt with: a correction or a source answers it now, so it leaves the list until it is asked again.
  const dealtWith = () => void dismiss({ id: topic.id, dismissed: true }).then(onChanged);
  return (
    <li className="gap-topic">
      <Disclosure>
        <Heading level={3}>
          <Button slot="trigger" className="gap-trigger">
            <span className="session-question">{topic.question}</span>
            <span className="muted">
              {topic.questionCount} {topic.questionCount === 1 ? "question" : "questions"} · last asked {when(topic.lastAskedAt)}
            </span>
          </Button>
        </Heading>
        <DisclosurePanel>
          <TopicQuestions botId={botId} topic={topic} />
        </DisclosurePanel>
      </Disclosure>
      {canEdit && (
        <div className="actions">
          <WriteCorrection botId={botId} questions={questions.map((q) => q.text)} onDone={dealtWith} />
          <AddText botId={botId} trigger="Add a text source" title={topic.question} onAdded={dealtWith} />
          <Button onPress={() => void dismiss({ id: topic.id, dismissed: !dismissed }).then(onChanged)}>{dismissed ? "Back to the list" : "Dismiss"}</Button>
        </div>
      )}
    </li>
  );
}

/**
 * The gaps inbox: what visitors asked that the bot could not answer (or
 * answered and was rated down for), grouped by meaning, largest first. Each
 * topic is put right with a correction or a text source, or dismissed.
 */
export function GapsPanel({ botId, canEdit }: { botId: string; canEdit: boolean }) {
  const paging = usePaging();
  const [shown, setShown] = useAddressChoice(
    "show",
    SHOWN.map(([value]) => value),
    "open",
  );
  const [{ data, error, fetching }, refetch] = useQuery({
    query: Gaps,
    variables: { botId, dismissed: shown === "dismissed", ...paging.variables },
    requestPolicy: "cache-and-network",
  });
  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const gaps = data.bot.gaps;
  return (
    <div className="gaps">
      <FilterGroup label="Show topics" options={SHOWN} value={shown} onChange={setShown} />
      {gaps.edges.length === 0 ? (
        <p>{shown === "open" ? "Nothing missing: every question visitors asked found its answer." : "Nothing put aside."}</p>
      ) : (
        <ol className="gap-topics" aria-label="Missing knowledge">
          {gaps.edges.map(({ node }) => (
            <TopicItem
              key={node.id}
              botId={botId}
              topic={node}
              canEdit={canEdit}
              dismissed={shown === "dismissed"}
              onChanged={() => refetch({ requestPolicy: "network-only" })}
            />
          ))}
        </ol>
      )}
      <Pager label="Pages of topics" count={gaps.totalCount} noun={["topic", "topics"]} pageInfo={gaps.pageInfo} busy={fetching} onPage={paging.set} />
    </div>
  );
}
