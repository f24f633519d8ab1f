import { useState } from "react";
import { Button } from "react-aria-components";
import { useQuery } from "urql";
import type { SourceSyncsQuery } from "../gql/graphql.js";
import { SourceSyncs } from "../operations.js";
import { when } from "../dates.js";

type Sync = NonNullable<SourceSyncsQuery["source"]>["syncs"]["edges"][number]["node"];
type Change = Sync["changes"][number];

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const CHANGE_LABEL: Record<Change["change"], string> = { ADDED: "added", CHANGED: "changed", REMOVED: "removed", FAILED: "could not be read" };

/** A link's syncs, newest first: what each read, and the diff of each page that changed (loaded when its dialog opens). */
export function Syncs({ sourceId }: { sourceId: string }) {
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, error }] = useQuery({ query: SourceSyncs, variables: { id: sourceId, after } });
  if (error) return <p role="alert">{error.message}</p>;
  if (!data?.source) return <p aria-busy="true">Loading…</p>;
  const { syncs } = data.source;
  if (!syncs.totalCount) return <p>Not read yet.</p>;
  return (
    <>
      <ol className="syncs">
        {syncs.edges.map(({ node }) => (
          <SyncItem key={node.id} sync={node} />
        ))}
      </ol>
      {syncs.pageInfo.hasNextPage && <Button onPress={() => setAfter(syncs.pageInfo.endCursor ?? null)}>Older syncs</Button>}
    </>
  );
}

function SyncItem({ sync }: { sync: Sync }) {
  const counts = [
    `${sync.pagesFetched} asked`,
    `${sync.pagesUnchanged} unchanged`,
    `${sync.pagesChanged} changed`,
    `${sync.pagesAdded} added`,
    `${sync.pagesRemoved} removed`,
    ...(sync.pagesFailed ? [`${sync.pagesFailed} failed`] : []),
  ];
  return (
    <li>
      <p>
        <strong>{when(sync.startedAt)}</strong> · {seconds(sync.durationMs)} · {sync.succeeded ? (sync.full ? "read in full" : "only what changed") : "failed"}
      </p>
      {sync.succeeded ? (
        <p className="muted">
          Pages: {counts.join(", ")}. {sync.chunksEmbedded.toLocaleString()} chunk{sync.chunksEmbedded === 1 ? "" : "s"} embedded.
        </p>
      ) : (
        <p className="error">{sync.error}</p>
      )}
      {sync.changes.length > 0 && (
        <ul className="page-changes">
          {sync.changes.map((change) => (
            <PageChange key={change.url} change={change} />
          ))}
        </ul>
      )}
    </li>
  );
}

function PageChange({ change }: { change: Change }) {
  return (
    <li>
      <span className={`change change-${change.change.toLowerCase()}`}>{CHANGE_LABEL[change.change]}</span> <a href={change.url}>{change.url}</a>
      {change.error && <span className="muted"> — {change.error}</span>}
      {change.diff && (
        <details>
          <summary>What changed</summary>
          <pre className="diff" aria-label={`Changes to ${change.url}`}>
            {change.diff.map((line, i) => (
              <span key={i} className={`diff-${line.kind.toLowerCase()}`}>
                {line.kind === "ADDED" ? "+ " : line.kind === "REMOVED" ? "- " : line.kind === "SKIPPED" ? "… " : "  "}
                {line.text}
                {"\n"}
              </span>
            ))}
          </pre>
        </details>
      )}
    </li>
  );
}
