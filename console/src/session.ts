import { useSyncExternalStore } from "react";

/**
 * The login token, kept in localStorage so a reload stays logged in. When
 * the API says the token is no longer good, `expire()` forgets it and says
 * why; the page stays as it was (with what was typed) under a log-in
 * dialog, until the user logs in again or leaves.
 */
export interface SessionState {
  token: string | null;
  /** Why the last session ended, when it was not the user's doing. */
  notice: string | null;
  /** The session ended under an open page, which waits for the same user to log in again. */
  lapsed: boolean;
}

const KEY = "parley.console.session";
const listeners = new Set<() => void>();
let state: SessionState = { token: localStorage.getItem(KEY), notice: null, lapsed: false };

function set(next: SessionState) {
  state = next;
  if (next.token) localStorage.setItem(KEY, next.token);
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

export const session = {
  get: () => state,
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  start: (token: string) => set({ token, notice: null, lapsed: false }),
  end: () => set({ token: null, notice: null, lapsed: false }),
  expire: () => state.token && set({ token: null, notice: "Your session has ended. Log in again to go on.", lapsed: true }),
};

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.get);
}
