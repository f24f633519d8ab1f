import { useCallback, useEffect, useSyncExternalStore } from "react";
import { useMutation } from "urql";
import type { Presence } from "./gql/graphql.js";
import { SetPresence } from "./operations.js";

/**
 * Whether this operator takes conversations. The server lets ONLINE lapse
 * 90 s after it was last said (a closed laptop leaves nobody "online"), so
 * the console says it again every 30 s while it is open, on whatever page.
 */
const KEY = "parley.console.presence";
const HEARTBEAT_MS = 30_000;
const listeners = new Set<() => void>();

function stored(): Presence {
  const value = localStorage.getItem(KEY);
  return value === "ONLINE" || value === "AWAY" ? value : "OFFLINE";
}

/** The presence chosen in this browser, and how to change it (told to the server at once). */
export function usePresence(): [Presence, (presence: Presence) => Promise<void>] {
  const presence = useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, stored);
  const [, setPresence] = useMutation(SetPresence);
  const change = useCallback(
    async (next: Presence) => {
      const { error } = await setPresence({ presence: next });
      if (error) throw error;
      localStorage.setItem(KEY, next);
      for (const listener of listeners) listener();
    },
    [setPresence],
  );
  return [presence, change];
}

/** Keeps saying ONLINE while the console is open and its operator chose it; the shell runs it once. */
export function usePresenceHeartbeat(): void {
  const [presence] = usePresence();
  const [, setPresence] = useMutation(SetPresence);
  useEffect(() => {
    if (presence !== "ONLINE") return;
    void setPresence({ presence: "ONLINE" });
    const timer = setInterval(() => void setPresence({ presence: "ONLINE" }), HEARTBEAT_MS);
    return () => clearInterval(timer);
  }, [presence, setPresence]);
}
