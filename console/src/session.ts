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
/** Known-device tokens, by account email: log-ins from this browser are slowed only by its own mistakes. */
const DEVICES = "parley.console.devices";

function devices(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(DEVICES) ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

const emailKey = (email: string) => email.trim().toLowerCase();
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
  /** The device token this browser was given for an account, to send with its log-ins. */
  deviceFor: (email: string): string | null => devices()[emailKey(email)] ?? null,
  /** A log-in's or sign-up's answer: the session starts, and a new device token is kept for the next log-in. */
  begin(email: string, answer: { session: { token: string }; deviceToken?: string | null }) {
    if (answer.deviceToken) localStorage.setItem(DEVICES, JSON.stringify({ ...devices(), [emailKey(email)]: answer.deviceToken }));
    set({ token: answer.session.token, notice: null, lapsed: false });
  },
  end: () => set({ token: null, notice: null, lapsed: false }),
  /** Resolves once a lapsed session is over: its person logged in again, or out. */
  settled: (): Promise<void> =>
    new Promise((resolve) => {
      if (!state.lapsed) return resolve();
      const stop = session.subscribe(() => {
        if (state.lapsed) return;
        stop();
        resolve();
      });
    }),
  expire: () => state.token && set({ token: null, notice: "Your session has ended. Log in again to go on.", lapsed: true }),
};

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.get);
}
