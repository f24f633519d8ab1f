import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Provider } from "urql";
import { Redirect, Route, Router, Switch, useLocation } from "wouter";
import { createClient } from "./client.js";
import { Shell } from "./shell.js";
import { LogInPage, SignUpPage } from "./pages/auth.js";
import { BotPage } from "./pages/bot.js";
import { BotsPage } from "./pages/bots.js";
import { JoinPage } from "./pages/join.js";
import { MembersPage } from "./pages/members.js";
import { WebhooksPage } from "./pages/webhooks.js";
import { useSession } from "./session.js";
import "uplot/dist/uPlot.min.css";
import "./console.css";

const client = createClient();

function App() {
  const { token, lapsed } = useSession();
  const [location] = useLocation();
  // An invitation's page stands alone, logged in or not, in a workspace or not yet.
  if (location === "/join") return <JoinPage />;
  if (!token && !lapsed) {
    return (
      <Switch>
        <Route path="/signup" component={SignUpPage} />
        <Route path="/login" component={LogInPage} />
        <Route>
          <Redirect to="/login" replace />
        </Route>
      </Switch>
    );
  }
  return (
    <Shell>
      <Switch>
        <Route path="/" component={BotsPage} />
        <Route path="/bots/:botId" component={BotPage} />
        <Route path="/members" component={MembersPage} />
        <Route path="/webhooks" component={WebhooksPage} />
        <Route path="/login">
          <Redirect to="/" replace />
        </Route>
        <Route path="/signup">
          <Redirect to="/" replace />
        </Route>
        <Route>
          <p role="alert">There is no such page in the console.</p>
        </Route>
      </Switch>
    </Shell>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Provider value={client}>
      <Router base="/admin">
        <App />
      </Router>
    </Provider>
  </StrictMode>,
);
