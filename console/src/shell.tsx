import { createContext, useContext, useSyncExternalStore, type ReactNode } from "react";
import { Button, Label, ListBox, ListBoxItem, Popover, Select, SelectValue } from "react-aria-components";
import { useMutation, useQuery } from "urql";
import { Link, useLocation } from "wouter";
import type { Role } from "./gql/graphql.js";
import { LogOut, Me } from "./operations.js";
import { useConnection } from "./connection.js";
import { LogInAgain } from "./pages/auth.js";
import { session, useSession } from "./session.js";
import { usePresence, usePresenceHeartbeat } from "./presence.js";
import { WorkspaceActions } from "./workspaces.js";

export interface CurrentWorkspace {
  id: string;
  name: string;
  role: Role;
  /** Owners and admins change things; members see everything, read-only. */
  canEdit: boolean;
}

const WorkspaceContext = createContext<CurrentWorkspace | null>(null);

/** The workspace chosen in the header; pages below the shell always have one. */
export function useWorkspace(): CurrentWorkspace {
  const workspace = useContext(WorkspaceContext);
  if (!workspace) throw new Error("useWorkspace is used outside the shell");
  return workspace;
}

const CHOSEN = "parley.console.workspace";
const chosenListeners = new Set<() => void>();

/** Makes a workspace the one the console shows (kept across reloads). */
export function chooseWorkspace(id: string | null): void {
  if (!id) return;
  localStorage.setItem(CHOSEN, id);
  for (const listener of chosenListeners) listener();
}

function useChosenWorkspace(): string | null {
  return useSyncExternalStore(
    (listener) => {
      chosenListeners.add(listener);
      return () => chosenListeners.delete(listener);
    },
    () => localStorage.getItem(CHOSEN),
  );
}

/** Says when live updates are paused: the connection dropped, or the browser is offline. */
function ConnectionNotice() {
  const { status } = useConnection();
  return (
    <div role="status" className={status === "reconnecting" || status === "offline" ? "connection-notice" : "visually-hidden"}>
      {status === "reconnecting" && "Reconnecting to Parley… live updates are paused."}
      {status === "offline" && "You are offline. Live updates resume when the connection is back."}
    </div>
  );
}

/** The header (workspace switcher, who is logged in, log out) around every page behind log-in. */
export function Shell({ children }: { children: ReactNode }) {
  const [{ data, error }] = useQuery({ query: Me });
  const { lapsed } = useSession();
  const [, logOut] = useMutation(LogOut);
  const [, navigate] = useLocation();
  const chosen = useChosenWorkspace();
  usePresenceHeartbeat();
  const [presence, setPresence] = usePresence();

  if (error) return <p role="alert">The console could not reach Parley: {error.message}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const memberships = data.me.memberships;
  const current = memberships.find((m) => m.workspace.id === chosen) ?? memberships[0];
  const workspace: CurrentWorkspace | null = current
    ? { id: current.workspace.id, name: current.workspace.name, role: current.role, canEdit: current.role !== "MEMBER" }
    : null;

  return (
    <>
      <header className="shell">
        <span className="brand">Parley</span>
        <nav className="main-nav" aria-label="Console">
          <Link href="/">Bots</Link>
          <Link href="/members">Members</Link>
          {workspace?.canEdit && <Link href="/webhooks">Webhooks</Link>}
        </nav>
        {memberships.length > 0 && (
          <Select className="workspace-switcher" selectedKey={workspace?.id ?? null} onSelectionChange={(key) => chooseWorkspace(String(key))}>
            <Label>Workspace</Label>
            <Button>
              <SelectValue />
              <span aria-hidden="true"> ▾</span>
            </Button>
            <Popover>
              <ListBox items={memberships.map((m) => ({ id: m.workspace.id, name: m.workspace.name }))}>
                {(item) => <ListBoxItem id={item.id}>{item.name}</ListBoxItem>}
              </ListBox>
            </Popover>
          </Select>
        )}
        <WorkspaceActions current={workspace ?? { id: "", name: "" }} canRename={Boolean(workspace?.canEdit)} onCreated={chooseWorkspace} />
        <span className="who">{data.me.name ?? data.me.email}</span>
        <Button
          onPress={async () => {
            // An operator who logs out takes no more conversations.
            if (presence !== "OFFLINE") await setPresence("OFFLINE").catch(() => {});
            await logOut({});
            // Logging out on purpose starts afresh: the log-in page does not bring this page back after.
            session.end();
            navigate("/login", { replace: true });
          }}
        >
          Log out
        </Button>
      </header>
      <ConnectionNotice />
      {lapsed && <LogInAgain email={data.me.email} />}
      <main>
        {workspace ? (
          <WorkspaceContext.Provider value={workspace}>{children}</WorkspaceContext.Provider>
        ) : (
          <p>You are not a member of any workspace yet. Ask an owner to invite you, then open the link they send.</p>
        )}
      </main>
    </>
  );
}
