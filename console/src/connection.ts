import type { Client } from "graphql-ws";
import { useSyncExternalStore } from "react";

/**
 * The live connection (graphql-ws) as the console shows it: idle while
 * nothing streams, connected, reconnecting after it dropped (the server
 * restarted, the network went), or offline (the browser says so).
 * `reconnects` counts returns from a drop, so lists can reload what they
 * missed meanwhile.
 */
export interface ConnectionState {
  status: "idle" | "connected" | "reconnecting" | "offline";
  reconnects: number;
}

const listeners = new Set<() => void>();
let state: ConnectionState = { status: navigator.onLine ? "idle" : "offline", reconnects: 0 };

function set(change: Partial<ConnectionState>) {
  state = { ...state, ...change };
  for (const listener of listeners) listener();
}

/** Follows a graphql-ws client's events, and the browser's online and offline events. */
export function watchConnection(ws: Client): void {
  ws.on("connected", () =>
    set({ status: "connected", reconnects: state.status === "reconnecting" || state.status === "offline" ? state.reconnects + 1 : state.reconnects }),
  );
  ws.on("closed", (event) => {
    // 1000: closed on purpose (nothing left to stream, or a new login); anything else dropped.
    const code = (event as { code?: number }).code;
    if (code === 1000 || code === undefined) set({ status: navigator.onLine ? "idle" : "offline" });
    else set({ status: navigator.onLine ? "reconnecting" : "offline" });
  });
  addEventListener("offline", () => set({ status: "offline" }));
  addEventListener("online", () => state.status === "offline" && set({ status: "reconnecting" }));
}

export function useConnection(): ConnectionState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => state,
  );
}
