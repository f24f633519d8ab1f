/**
 * `npm run demo`: a demo workspace with a bot that knows a small bike shop's
 * help pages, an API key for it, and the server running, so a newcomer sees
 * the whole product on the embedded default in a minute. Everything goes
 * through the GraphQL API, as an admin script would. Run it again and it
 * reuses what is there (the key is rotated, since secrets are shown once).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildApp, type App } from "../src/app.js";
import { ConfigError, loadConfig } from "../src/config.js";
import { DataDirLockedError } from "../src/db/dir-lock.js";
import { createLogger } from "../src/logger.js";
import { stopOnSignals } from "../src/process.js";

export const DEMO = {
  email: "demo@parley.local",
  password: "parley-demo-2026",
  workspace: "Northwind Bikes (demo)",
  bot: "Northwind helper",
  key: "Demo widget",
};

const DOCS = path.join(import.meta.dirname, "demo-docs");

export interface DemoResult {
  token: string;
  botId: string;
  apiKey: string;
  sources: { name: string; syncStatus: string; chunkCount: number }[];
}

type Gql = (query: string, variables?: Record<string, unknown>, init?: { token?: string; body?: FormData }) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a script reads GraphQL results by shape, as a client would

function client(app: App): Gql {
  return async (query, variables = {}, { token, body } = {}) => {
    const response = await app.yoga.fetch("http://parley.local/graphql", {
      method: "POST",
      headers: { ...(token && { authorization: `Bearer ${token}` }), ...(!body && { "content-type": "application/json" }) },
      body: body ?? JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
    if (result.errors?.length) throw Object.assign(new Error(result.errors[0]!.message), { code: result.errors[0]!.extensions?.code });
    return result.data;
  };
}

/** Creates (or finds) the demo account, workspace, bot, sources and key, and waits for the sources to be indexed. */
export async function seedDemo(app: App, log: (line: string) => void = () => {}): Promise<DemoResult> {
  const gql = client(app);
  let token: string;
  try {
    token = (await gql(`mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { session { token } } }`, { e: DEMO.email, p: DEMO.password }))
      .logIn.session.token;
  } catch {
    const signUp = `mutation($e: String!, $p: String!, $w: String!) { signUp(email: $e, password: $p, workspaceName: $w) { session { token } } }`;
    token = (await gql(signUp, { e: DEMO.email, p: DEMO.password, w: DEMO.workspace })).signUp.session.token;
    log(`created the demo account ${DEMO.email}`);
  }
  const as = { token };
  const workspace = ((await gql(`{ workspaces { id name } }`, {}, as)).workspaces as { id: string; name: string }[]).find((w) => w.name === DEMO.workspace);
  if (!workspace) throw new Error(`The demo account has no workspace named "${DEMO.workspace}".`);

  const bots = (await gql(`query($w: ID!) { bots(workspaceId: $w, first: 100) { edges { node { id name } } } }`, { w: workspace.id }, as)).bots.edges as {
    node: { id: string; name: string };
  }[];
  let botId = bots.find((e) => e.node.name === DEMO.bot)?.node.id;
  if (!botId) {
    const input = {
      workspaceId: workspace.id,
      name: DEMO.bot,
      description: "Answers questions about shipping, returns and warranty.",
      // Public, with no domain list: any page may embed it, and its widget page opens on its own.
      isPublic: true,
      settings: { greeting: "Hi! I can help with shipping, returns and warranty. What would you like to know?", widgetTheme: { primaryColor: "#0b7a3e" } },
    };
    botId = (await gql(`mutation($i: CreateBotInput!) { createBot(input: $i) { id } }`, { i: input }, as)).createBot.id as string;
    await gql(`mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, as);
    for (const file of (await readdir(DOCS)).sort()) {
      const body = new FormData();
      body.set(
        "operations",
        JSON.stringify({ query: `mutation($b: ID!, $f: File!) { uploadDocument(botId: $b, file: $f) { id } }`, variables: { b: botId, f: null } }),
      );
      body.set("map", JSON.stringify({ 0: ["variables.f"] }));
      body.set("0", new File([await readFile(path.join(DOCS, file))], file, { type: file.endsWith(".md") ? "text/markdown" : "text/plain" }));
      await gql("", {}, { token, body });
      log(`uploaded ${file}`);
    }
  }

  const sourcesQuery = `query($b: ID!) { bot(id: $b) { sources(first: 50) { edges { node { name syncStatus chunkCount lastError } } } } }`;
  let sources: { name: string; syncStatus: string; chunkCount: number; lastError: string | null }[] = [];
  for (const deadline = Date.now() + 120_000; ;) {
    sources = ((await gql(sourcesQuery, { b: botId }, as)).bot.sources.edges as { node: (typeof sources)[number] }[]).map((e) => e.node);
    if (sources.every((s) => s.syncStatus === "SYNCED" || s.syncStatus === "ERROR")) break;
    if (Date.now() > deadline) throw new Error("The demo sources are still being indexed after two minutes.");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  for (const s of sources) log(`${s.name}: ${s.syncStatus === "SYNCED" ? `${s.chunkCount} chunks` : `error: ${s.lastError}`}`);

  const keys = (await gql(`query($b: ID!) { bot(id: $b) { apiKeys(first: 100) { edges { node { id name revokedAt } } } } }`, { b: botId }, as)).bot.apiKeys
    .edges as { node: { id: string; name: string; revokedAt: string | null } }[];
  const existing = keys.find((e) => e.node.name === DEMO.key && !e.node.revokedAt)?.node.id;
  const apiKey = existing
    ? ((await gql(`mutation($k: ID!) { rotateApiKey(id: $k) { secret } }`, { k: existing }, as)).rotateApiKey.secret as string)
    : ((await gql(`mutation($b: ID!, $n: String!) { createApiKey(botId: $b, name: $n) { secret } }`, { b: botId, n: DEMO.key }, as)).createApiKey
        .secret as string);
  return { token, botId, apiKey, sources };
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`parley demo: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL);
  let app;
  try {
    app = await buildApp(config, { logger });
  } catch (error) {
    // `npm start` already running on the same data: say so in a line, not a stack.
    if (!(error instanceof DataDirLockedError)) throw error;
    process.stderr.write(`parley demo: ${error.message}\n`);
    process.exit(1);
  }
  stopOnSignals(app, logger);
  await app.start();
  const demo = await seedDemo(app, (line) => console.log(`  ${line}`));
  const base = config.publicUrl;
  const widget = `${base}/widget/${demo.botId}?api_key=${encodeURIComponent(demo.apiKey)}`;
  console.log(`
Parley demo is running (${config.OLLAMA_BASE_URL ? `Ollama at ${config.OLLAMA_BASE_URL}` : `embedded models: ${config.EMBEDDED_EMBEDDER} embeddings, extractive answers`}).

  Console      ${base}/admin
  GraphiQL     ${base}/graphql
  Log in       ${DEMO.email} / ${DEMO.password}
               mutation { logIn(email: "${DEMO.email}", password: "${DEMO.password}") { session { token } } }
               then, in GraphiQL's Headers: { "Authorization": "Bearer <token>" }
  API key      ${demo.apiKey}
               (GraphiQL Headers: { "X-API-Key": "<key>" } to call as the widget does)
  Widget       ${widget}

  On any web page:
  <script src="${base}/widget.js" data-bot-id="${demo.botId}" data-api-key="${demo.apiKey}" async></script>

Ask it: "How long does delivery to Germany take?" or "Can I return a custom wheel?"
Ctrl-C stops the server; \`npm start\` serves the same data.
`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
