import { useCallback } from "react";
import { useSearchParams } from "wouter";

type Changes = Record<string, string | null>;

/**
 * What a screen shows beyond its path (a list's filter, search and page, the
 * open conversation) lives in its address (`?show=UNANSWERED&conversation=…`),
 * so a reload, the back button and a link sent to a colleague come back to
 * the same view. A change is a new history entry unless `replace` is asked
 * for (typing in a search box should not fill the history with letters).
 */
export function useAddress(): [URLSearchParams, (changes: Changes, options?: { replace?: boolean }) => void] {
  const [params, setParams] = useSearchParams();
  const change = useCallback(
    (changes: Changes, options?: { replace?: boolean }) =>
      setParams((current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value === null || value === "") next.delete(key);
          else next.set(key, value);
        }
        return next;
      }, options),
    [setParams],
  );
  return [params, change];
}

/** The page of a list: its cursor parameters, cleared whenever what the list shows changes. */
export const FIRST_PAGE: Changes = { after: null, before: null };

/**
 * One of a few values in the address (a filter): anything else there (an old
 * link, a typo) reads as the default rather than reaching the API.
 */
export function useAddressChoice<T extends string>(
  key: string,
  allowed: readonly (T | null)[],
  fallback: T | null = null,
  /** What else a new choice clears from the address (the conversation open under another filter). */
  clears: string | null = null,
): [T | null, (value: T | null) => void] {
  const [params, change] = useAddress();
  const raw = params.get(key);
  const value = allowed.find((option) => option !== null && option === raw) ?? fallback;
  const set = useCallback(
    (next: T | null) => change({ [key]: next === fallback ? null : next, ...FIRST_PAGE, ...(clears ? { [clears]: null } : {}) }),
    [change, key, fallback, clears],
  );
  return [value, set];
}
