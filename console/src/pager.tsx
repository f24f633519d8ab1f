import { useState } from "react";
import { Button } from "react-aria-components";

export const PAGE_SIZE = 20;

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor?: string | null;
  endCursor?: string | null;
}

type Cursor = { after?: string; before?: string };

/** Relay connection paging: the variables for the page shown, and a way back to the first. */
export function usePaging(): { variables: { first?: number; after?: string | null; last?: number; before?: string }; set: (cursor: Cursor) => void } {
  const [cursor, set] = useState<Cursor>({});
  const variables = cursor.before ? { last: PAGE_SIZE, before: cursor.before } : { first: PAGE_SIZE, after: cursor.after ?? null };
  return { variables, set };
}

/** "n things", Previous and Next under a list. */
export function Pager({
  label,
  count,
  noun,
  pageInfo,
  busy,
  onPage,
}: {
  label: string;
  count: number;
  noun: [string, string];
  pageInfo: PageInfo;
  busy: boolean;
  onPage: (cursor: Cursor) => void;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <span>{count === 1 ? `1 ${noun[0]}` : `${count} ${noun[1]}`}</span>
      <Button isDisabled={!pageInfo.hasPreviousPage || busy} onPress={() => onPage({ before: pageInfo.startCursor ?? undefined })}>
        Previous
      </Button>
      <Button isDisabled={!pageInfo.hasNextPage || busy} onPress={() => onPage({ after: pageInfo.endCursor ?? undefined })}>
        Next
      </Button>
    </nav>
  );
}
