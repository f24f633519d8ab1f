import { lazy, StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { Provider } from "urql";
import { Redirect, Route, Router, Switch, useLocation, useSearch } from "wouter";
import { createClient } from "./client.js";
import { Shell } from "./shell.js";
import { Toasts } from "./toasts.js";
import { LogInPage, SignUpPage } from "./pages/auth.js";
import { BotPage } from "./pages/bot.js";
import { BotsPage } from "./pages/bots.js";
import { JoinPage } from "./pages/join.js";
import { useSession } from "./session.js";
import "uplot/dist/uPlot.min.css";
import "./console.css";

const client = createClient();

/** Pages of the workspace rather than of its bots load when first opened. */
const MembersPage = lazy(() => import("./pages/members.js").then((module) => ({ default: module.MembersPage })));
const WebhooksPage = lazy(() => import("./pages/webhooks.js").then((module) => ({ default: module.WebhooksPage })));

/**
 * Where to go after logging in: the page first asked for (`?next=`), so a
 * link to a screen survives the log-in page. Only a path of this console.
 */
function nextPage(search: string): string {
  const next = new URLSearchParams(search).get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function App() {
  const { token, lapsed } = useSession();
  const [location] = useLocation();
  const search = useSearch();
  // An invitation's page stands alone, logged in or not, in a workspace or not yet.
  if (location === "/join") return <JoinPage />;
  if (!token && !lapsed) {
    return (
      <Switch>
        <Route path="/signup" component={SignUpPage} />
        <Route path="/login" component={LogInPage} />
        <Route>
          <Redirect to={location === "/" && !search ? "/login" : `/login?${new URLSearchParams({ next: location + (search ? `?${search}` : "") })}`} replace />
        </Route>
      </Switch>
    );
  }
  return (
    <Shell>
      <Suspense fallback={<p aria-busy="true">Loading…</p>}>
        <Switch>
          <Route path="/" component={BotsPage} />
          <Route path="/bots/:botId/:tab?" component={BotPage} />
          <Route path="/members" component={MembersPage} />
          <Route path="/webhooks" component={WebhooksPage} />
          <Route path="/login">
            <Redirect to={nextPage(search)} replace />
          </Route>
          <Route path="/signup">
            <Redirect to={nextPage(search)} replace />
          </Route>
          <Route>
            <p role="alert">There is no such page in the console.</p>
          </Route>
        </Switch>
      </Suspense>
    </Shell>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Provider value={client}>
      <Router base="/admin">
        <App />
      </Router>
      <Toasts />
    </Provider>
  </StrictMode>,
);
