import { useCallback } from "react";
import { Button } from "react-aria-components";
import { useAddress } from "./address.js";

export const PAGE_SIZE = 20;

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor?: string | null;
  endCursor?: string | null;
}

type Cursor = { after?: string; before?: string };

/**
 * Relay connection paging: the variables for the page shown, and a way to
 * another. The cursor is in the address (`?after=…`), so a reload or a shared
 * link shows the same page and Back goes to the one before.
 */
export function usePaging(): { variables: { first?: number; after?: string | null; last?: number; before?: string }; set: (cursor: Cursor) => void } {
  const [params, change] = useAddress();
  const before = params.get("before");
  const variables = before ? { last: PAGE_SIZE, before } : { first: PAGE_SIZE, after: params.get("after") };
  const set = useCallback((cursor: Cursor) => change({ after: cursor.after ?? null, before: cursor.before ?? null }), [change]);
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
